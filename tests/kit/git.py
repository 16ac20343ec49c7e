"""Test repositories: git with a fixed identity and no user or system configuration."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@localhost",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@localhost",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(root: Path, *args: str) -> str:
    """Run git in root with the fixed identity; return its output."""
    done = subprocess.run(
        ["git", *args],
        cwd=root,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def init_repo(root: Path) -> Path:
    """Make root a git repository on branch main, unless it is one already; return root."""
    if not (root / ".git").exists():
        git(root, "init", "-q", "-b", "main")
    return root


def commit_all(root: Path, message: str) -> None:
    """Commit everything under root (a test repository of its own)."""
    init_repo(root)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
