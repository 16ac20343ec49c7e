"""The one way khub asks git: fixed argv, no options smuggled in, NUL-separated output.

Revisions come from the command line (`khub diff --base REV`) and names from the
repository (a data file may have any name a pull request gives it), so every call here
ends git's options with `--end-of-options` before a revision and `--` before a path, reads
`-z` output, and refuses a revision that starts with '-' before git sees it. Paths are
relative to the hub's top folder, which may be a subfolder of the repository.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from khub.errors import KhubError, UsageError


class GitError(KhubError):
    """git failed, is missing, or the folder is not in a git repository."""


@dataclass(frozen=True)
class Change:
    """One file added (A) or deleted (D) by one commit."""

    commit: str
    status: str
    path: str


@dataclass(frozen=True)
class TreeFile:
    """A regular file in a commit's tree: its path (relative to the hub) and blob id."""

    path: str
    blob: str


def git(root: Path, *args: str) -> bytes:
    """Run git in root and return its stdout; raise GitError with git's last message line."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    argv = ["git", "-c", "log.showSignature=false", "-c", "core.quotePath=false", *args]
    try:
        done = subprocess.run(argv, cwd=root, env=env, capture_output=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed (needed to read the repository's history)") from None
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        reason = lines[-1] if lines else f"exit {done.returncode}"
        raise GitError(f"git {args[0]} failed: {reason}")
    return done.stdout


def check_revision(rev: str) -> str:
    """Return rev, or raise UsageError if git could read it as an option."""
    if not rev or rev.startswith("-"):
        raise UsageError(
            f"git revision {rev!r} starts with '-' or is empty "
            "(name a branch, tag or commit, such as origin/main or HEAD~1)"
        )
    if any(ord(ch) < 0x20 for ch in rev):
        raise UsageError(f"git revision {rev!r} holds a control character")
    return rev


def is_repository(root: Path) -> bool:
    """Return True when root is inside a git work tree with at least one commit."""
    try:
        git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except GitError:
        return False
    return True


def changes(root: Path, folder: str) -> list[Change]:
    """Return every add and delete of a file under folder in HEAD's history, oldest first.

    The whole history counts (`--full-history`: no side branch is simplified away) and a
    rename is an add and a delete, so no version of a file can hide behind another.
    """
    out = git(
        root,
        "log",
        "--full-history",
        "--topo-order",
        "--reverse",
        "--no-renames",
        "--diff-filter=AD",
        "--name-status",
        "-z",
        "--relative",
        "--format=%x01%H",
        "--end-of-options",
        "HEAD",
        "--",
        folder,
    )
    found: list[Change] = []
    for record in out.decode("utf-8", errors="surrogateescape").split("\x01")[1:]:
        commit, _, rest = record.partition("\0")
        fields = [f for f in rest.lstrip("\n").split("\0") if f]
        for status, path in zip(fields[::2], fields[1::2], strict=False):
            found.append(Change(commit, status, path))
    return found


def tree_files(root: Path, rev: str, folder: str) -> list[TreeFile]:
    """Return the regular files under folder in rev's tree (no symlinks, no submodules)."""
    out = git(root, "ls-tree", "-r", "-z", "--end-of-options", check_revision(rev), "--", folder)
    files: list[TreeFile] = []
    for entry in out.decode("utf-8", errors="surrogateescape").split("\0"):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob" and parts[0] in ("100644", "100755"):
            files.append(TreeFile(path, parts[2]))
    return files


def blob(root: Path, blob_id: str) -> bytes:
    """Return the bytes of a blob."""
    return git(root, "cat-file", "blob", blob_id)


def file_at(root: Path, commit: str, path: str) -> bytes | None:
    """Return a file's bytes at a commit, or None when the commit has no such file."""
    try:
        return git(root, "cat-file", "blob", f"{check_revision(commit)}:./{path}")
    except GitError:
        return None


def safe_relative(path: str) -> PurePosixPath | None:
    """Return path if it stays inside the folder it is relative to, else None."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or not pure.parts or any(p in ("..", ".", "") for p in pure.parts):
        return None
    return pure
