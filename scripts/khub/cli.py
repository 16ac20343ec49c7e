"""The `khub` command line: the only module that prints. Library errors become messages."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import click

from khub import __version__
from khub.errors import DataError, KhubError, Problem


class KhubGroup(click.Group):
    """A click group that turns khub's errors into messages and exit codes, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; print a KhubError as a message and exit with its code."""
        try:
            return super().invoke(ctx)
        except DataError as exc:
            as_json = bool(ctx.meta.get("khub.json"))
            print_problems(exc.problems, as_json=as_json)
            ctx.exit(exc.exit_code)
        except KhubError as exc:
            if ctx.meta.get("khub.debug"):
                raise
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


def print_problems(problems: Sequence[Problem], as_json: bool = False) -> None:
    """Print problems one per line (errors first), or as a JSON document."""
    if as_json:
        errors = sum(1 for p in problems if p.severity == "error")
        doc = {
            "errors": errors,
            "warnings": len(problems) - errors,
            "problems": [p.as_dict() for p in problems],
        }
        click.echo(json.dumps(doc, indent=2))
        return
    for problem in problems:
        click.echo(str(problem), err=problem.severity == "error")


@click.group(cls=KhubGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="khub")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """khub: facts, re-checks and module pages of the Knowledge Hub.

    Run it from the hub's top folder (the one holding data/, content/ and mkdocs.yml).
    """
    ctx.meta["khub.debug"] = debug


def _register() -> None:
    from khub import cli_data

    cli_data.register(main)
    for name in ("cli_site", "cli_editions", "cli_check"):
        try:
            module = __import__(f"khub.{name}", fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != f"khub.{name}":
                raise
            continue
        module.register(main)


_register()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
