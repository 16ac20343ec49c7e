"""The MkDocs child of `khub build` and `khub serve`: `python -m khub.site.runner build ...`.

It first arranges to die with khub (khub.site.children.die_with_parent), then runs MkDocs
(ProperDocs). `build` is `mkdocs build --strict` with what the MkDocs command line cannot
say: the folder to read (khub builds from a staging copy of build/docs, so a failed build
leaves build/docs as it was), the folder to write, and khub's page cache with the previous
site to take unchanged pages from (khub.site.incremental).

`serve` is the same build, once per request, in a process that stays up for the whole of
a `khub serve` (khub.site.warm): it reads one request per line on stdin, a JSON object
with the arguments of `build`, and answers each with one line on stdout, a JSON object
with the exit code and the build's messages (anything else written to its stdout goes to
its stderr, so no stray print can break a reply). Between builds it keeps what a new
process would read again: the builder's modules, the page cache's entries (in memory as a
read of their files gives them) and the theme's compiled templates (by their source). A
request may ask its build to wait at its first page for khub's `go` (Gate), so that the
work before it overlaps khub generate. Every build still loads the configuration and goes
through every page, so its site is the one `build` makes.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from khub.site import heap
from khub.site.brand import THEME_JSON
from khub.site.children import die_with_parent
from khub.site.incremental import PageCache, install, page_cache
from khub.site.parallel import jobs
from khub.site.stamp import CONFIG

_LOG_NAME = "properdocs"  # ProperDocs passes its plugins' records on to it


def main(argv: Sequence[str] | None = None) -> int:
    """Run the MkDocs command argv names; return its exit code."""
    die_with_parent()
    parser = argparse.ArgumentParser(prog="python -m khub.site.runner")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build")
    build.add_argument("--config", required=True)
    build.add_argument("--docs-dir")
    build.add_argument("--site-dir", required=True)
    build.add_argument("--previous-site", help="reuse unchanged pages' output from this site")
    build.add_argument("--page-cache", action="store_true", help="use khub's page cache")
    commands.add_parser("serve", help="build once per JSON request on stdin, staying up")
    args = parser.parse_args(argv)
    if args.command == "serve":
        sys.stdout.flush()
        replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray output: to stderr
        return serve(sys.stdin, replies)
    cache = page_cache(Path(), Path(args.previous_site) if args.previous_site else None)
    chosen = cache if args.page_cache else None
    return _build(args.config, args.docs_dir, args.site_dir, chosen, sys.stdout)


def serve(requests: IO[str], replies: IO[str]) -> int:
    """Answer each build request line with a reply line; return 0 when requests end."""
    _use_properdocs()
    import mkdocs.commands.build  # noqa: F401 - imported once, before the first request

    memory: dict[str, dict[str, Any]] = {}
    page_cache(Path(), None, memory).prime()
    templates = _remember_templates()
    templates.compile_theme(CONFIG)  # before the first request: that build is an edit's
    heap.settle()
    while line := requests.readline():
        reply = _answer(line, requests, memory, templates)
        replies.write(json.dumps(reply) + "\n")
        replies.flush()
        heap.settle()  # khub is busy with the reply; the next request finds it done
    return 0


def _answer(
    line: str, requests: IO[str], memory: dict[str, dict[str, Any]], templates: _Templates
) -> dict[str, Any]:
    """Run the build one request line asks for; return the reply."""
    try:
        request = json.loads(line)
        config, site_dir = str(request["config"]), str(request["site_dir"])
        docs_dir, previous = request.get("docs_dir"), request.get("previous_site")
    except (ValueError, KeyError, TypeError, AttributeError):
        return {"code": 2, "output": f"ERROR   -  not a build request: {line[:200]!r}"}
    templates.reset_if_changed(config)
    gate = Gate(requests, Path(docs_dir)) if request.get("wait") and docs_dir else None
    previous_site = Path(previous) if previous else None
    build = functools.partial(_one_build, config, docs_dir, site_dir, previous_site, memory)
    return _gated(build, gate)


def _one_build(
    config: str,
    docs_dir: str | None,
    site_dir: str,
    previous: Path | None,
    memory: dict[str, dict[str, Any]],
    gate: Gate | None,
) -> dict[str, Any]:
    cache = page_cache(Path(), previous, memory) if docs_dir is not None else None
    output = io.StringIO()
    code = _build(config, docs_dir, site_dir, cache, output, gate)
    return {"code": code, "output": output.getvalue()}


class Cancelled(Exception):
    """khub said not to build after all (generate failed, or nothing changed)."""


class Restart(Exception):
    """What the build read before its pages is not what generate left: build again."""


class Gate:
    """Hold a build at its first page until khub has written the generated pages.

    khub serve asks for a build (`"wait": true`) before it generates, so the builder
    reads its configuration, lists the files and makes the navigation meanwhile; none of
    that reads a page's text. At the first page the build waits for khub's next line:
    `go` (the pages are written) or `stop`. What it read (the docs folder's file names and
    the theme settings khub generates) is then read again; when generate changed it, the
    build starts again from the beginning (Restart), so its site is the one a build begun
    after generate makes.
    """

    def __init__(self, requests: IO[str], docs: Path) -> None:
        self.requests = requests
        self.docs = docs
        self.seen = _layout(docs)
        self.passed = False

    def __call__(self, meanwhile: Callable[[], None] | None = None) -> None:
        """Do meanwhile, then wait for khub's word: Cancelled on `stop`, Restart if it moved."""
        if self.passed:
            return
        self.passed = True
        if meanwhile is not None:
            meanwhile()
        if self.requests.readline().strip() != "go":
            raise Cancelled
        if _layout(self.docs) != self.seen:
            raise Restart


def _gated(build: Callable[[Gate | None], dict[str, Any]], gate: Gate | None) -> dict[str, Any]:
    """Run a build held by gate (if any); build again, unheld, if what it read moved.

    A held build that ended before its first page (no pages, or an error) did not wait for
    khub's word: it is heard now, and the build made again once the pages are written.
    """
    try:
        reply = build(gate)
        if gate is None or gate.passed:
            return reply
        gate()
    except Cancelled:
        return {"code": 0, "output": "", "cancelled": True}
    except Restart:
        pass
    return build(None)


def _layout(docs: Path) -> tuple[list[str], bytes]:
    """Return what a build reads of docs before its first page: file names, theme settings."""
    names: list[str] = []
    for folder, dirs, files in os.walk(docs):
        dirs.sort()
        here = Path(folder).relative_to(docs).as_posix()
        names.extend(f"{here}/{name}" for name in sorted(files))
    try:
        theme = (docs / THEME_JSON).read_bytes()
    except OSError:
        theme = b""
    return names, theme


def _use_properdocs() -> None:
    """Make ProperDocs the builder: every `mkdocs.*` import (Material's too) resolves to it."""
    import properdocs.replacement  # noqa: F401 - importing it installs the alias


def _build(
    config_file: str,
    docs_dir: str | None,
    site_dir: str,
    cache: PageCache | None,
    out: IO[str],
    gate: Gate | None = None,
) -> int:
    """Build strictly with ProperDocs; write its messages to out as its command line does.

    With a page cache, pages whose source and context are unchanged are not converted or
    rendered again (khub.site.incremental); the cache is written only when the build succeeded.
    """
    _use_properdocs()
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, MkDocsException

    handler = _log_like_mkdocs(out)
    overrides: dict[str, Any] = {"site_dir": site_dir, "strict": True}
    if docs_dir is not None:
        overrides["docs_dir"] = docs_dir
    try:
        config = load_config(config_file=config_file, **overrides)
        config.plugins.on_startup(command="build", dirty=False)
        processes = jobs()
        undo = install(cache, Path(), processes, gate) if cache is not None else None
        try:
            build(config)
        finally:
            if undo is not None:
                undo()
            config.plugins.on_shutdown()
        if cache is not None:
            cache.save(processes)
            _say(out, f"INFO    -  khub page cache: {cache.stats.summary()}")
    except Abort as exc:
        _say(out, exc.format_message())  # "Aborted with 1 warnings in strict mode!"
        return 1
    except MkDocsException as exc:
        _say(out, f"ERROR   -  {exc.format_message()}")
        return 1
    finally:
        logging.getLogger(_LOG_NAME).removeHandler(handler)
    return 0


def _say(out: IO[str], line: str) -> None:
    out.write(line + "\n")
    out.flush()


def _log_like_mkdocs(out: IO[str]) -> logging.Handler:
    """Write the builder's log records to out as `LEVEL   -  message`, as its command line does."""
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)-8s-  %(message)s"))
    logger = logging.getLogger(_LOG_NAME)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return handler


class _Templates:
    """The theme's compiled templates, kept between builds for as long as the config's bytes.

    Jinja compiles a template again whenever its source changes (its bytecode is kept
    under the source's checksum). The compiled code also depends on the environment the
    theme sets up (its extensions, from the configuration), so a change of mkdocs.yml
    drops every template.
    """

    def __init__(self) -> None:
        from jinja2 import BytecodeCache

        class Memory(BytecodeCache):
            def __init__(self) -> None:
                self.code: dict[str, bytes] = {}

            def load_bytecode(self, bucket: Any) -> None:
                found = self.code.get(bucket.key)
                if found is not None:
                    bucket.bytecode_from_string(found)

            def dump_bytecode(self, bucket: Any) -> None:
                self.code[bucket.key] = bucket.bytecode_to_string()

        self.cache = Memory()
        self.config = b""

    def reset_if_changed(self, config_file: str) -> None:
        """Drop the compiled templates when the configuration file's bytes changed."""
        try:
            config = Path(config_file).read_bytes()
        except OSError:
            config = b""
        if config != self.config:
            self.cache.code.clear()
            self.config = config

    def compile_theme(self, config_file: str) -> None:
        """Compile every template of the configured theme now (best effort).

        The first build of a process otherwise compiles the templates it renders with, a
        tenth of a second or more; whatever goes wrong here is left for that build to meet.
        """
        self.reset_if_changed(config_file)
        _use_properdocs()
        from jinja2 import TemplateError
        from mkdocs.config import load_config

        try:  # the docs folder may not be generated yet: the theme does not read it
            with tempfile.TemporaryDirectory() as docs:
                env = load_config(config_file=config_file, docs_dir=docs).theme.get_env()
        except Exception:  # a bad configuration: the build reports it properly
            return
        for name in env.list_templates(extensions=("html", "xml")):
            with contextlib.suppress(TemplateError):  # one that needs a plugin's filters
                env.get_template(name)


def _remember_templates() -> _Templates:
    """Give every theme environment of this process one in-memory bytecode cache."""
    _use_properdocs()
    from mkdocs.theme import Theme

    templates = _Templates()
    get_env: Callable[[Theme], Any] = Theme.get_env

    def get_env_remembering(theme: Theme) -> Any:
        env = get_env(theme)
        env.bytecode_cache = templates.cache
        return env

    Theme.get_env = get_env_remembering  # type: ignore[method-assign,assignment]
    return templates


if __name__ == "__main__":
    sys.exit(main())
