"""The MkDocs child of `khub build` and `khub serve`: `python -m khub.site.runner build ...`.

It first arranges to die with khub (khub.site.children.die_with_parent), then runs MkDocs
(ProperDocs). `build` is `mkdocs build --strict` with what the MkDocs command line cannot
say: the folder to read (khub builds from a staging copy of build/docs, so a failed build
leaves build/docs as it was), the folder to write, and khub's page cache with the previous
site to take unchanged pages from (khub.site.incremental).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from khub.site.children import die_with_parent
from khub.site.incremental import PageCache, install, page_cache
from khub.site.parallel import jobs
from khub.site.search import add_fact_entries


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
    args = parser.parse_args(argv)
    cache = page_cache(Path(), Path(args.previous_site) if args.previous_site else None)
    return _build(args.config, args.docs_dir, args.site_dir, cache if args.page_cache else None)


def _use_properdocs() -> None:
    """Make ProperDocs the builder: every `mkdocs.*` import (Material's too) resolves to it."""
    import properdocs.replacement  # noqa: F401 - importing it installs the alias


def _build(
    config_file: str, docs_dir: str | None, site_dir: str, cache: PageCache | None = None
) -> int:
    """Build strictly with ProperDocs; print its messages as its command line does.

    With a page cache, pages whose source and context are unchanged are not converted or
    rendered again (khub.site.incremental); the cache is written only when the build succeeded.
    """
    _use_properdocs()
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, MkDocsException

    _log_like_mkdocs()
    overrides: dict[str, Any] = {"site_dir": site_dir, "strict": True}
    if docs_dir is not None:
        overrides["docs_dir"] = docs_dir
    try:
        config = load_config(config_file=config_file, **overrides)
        config.plugins.on_startup(command="build", dirty=False)
        processes = jobs()
        undo = install(cache, Path(), processes) if cache is not None else None
        try:
            build(config)
            add_fact_entries(
                Path(config["docs_dir"]), Path(config["site_dir"]), config["use_directory_urls"]
            )
        finally:
            if undo is not None:
                undo()
            config.plugins.on_shutdown()
        if cache is not None:
            cache.save(processes)
            print(f"INFO    -  khub page cache: {cache.stats.summary()}", flush=True)
    except Abort as exc:
        print(exc.format_message(), flush=True)  # "Aborted with 1 warnings in strict mode!"
        return 1
    except MkDocsException as exc:
        print(f"ERROR   -  {exc.format_message()}", flush=True)
        return 1
    return 0


def _log_like_mkdocs() -> None:
    """Print the builder's log records as `LEVEL   -  message`, the way its command line does."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(levelname)-8s-  %(message)s"))
    logger = logging.getLogger("properdocs")  # ProperDocs passes its plugins' records on to it
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


if __name__ == "__main__":
    sys.exit(main())
