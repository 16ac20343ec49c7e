"""The `khub` command line: the only module that prints. Library errors become messages."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Sequence
from typing import Any

import click

from khub import __version__
from khub.errors import DataError, KhubError, Problem


class KhubGroup(click.Group):
    """A click group that turns khub's errors into messages and exit codes, no traceback.

    Commands are imported on first use, so `khub validate` does not pay for Jinja, MkDocs
    or requests.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Return every command name, built in or lazy."""
        return sorted(set(super().list_commands(ctx)) | set(_lazy_commands()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Return a command, importing its module on first use."""
        command = super().get_command(ctx, cmd_name)
        if command is not None or cmd_name not in _lazy_commands():
            return command
        module_name, attr = _lazy_commands()[cmd_name]
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            return None  # tests/cli/test_main.py proves every listed command resolves
        found: click.Command = getattr(module, attr)
        return found

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
        click.echo(str(problem), err=True)


@click.group(cls=KhubGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="khub")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """khub: facts, re-checks and module pages of the Knowledge Hub.

    Run it from the hub's top folder (the one holding data/, content/ and mkdocs.yml).
    """
    ctx.meta["khub.debug"] = debug


def _lazy_commands() -> dict[str, tuple[str, str]]:
    """Return command name → (module, attribute); modules import only when used."""
    return {
        "validate": ("khub.cli.data", "validate"),
        "facts": ("khub.cli.data", "facts"),
        "fact": ("khub.cli.data", "fact"),
        "schema": ("khub.cli.data", "schema"),
        "generate": ("khub.cli.site", "generate"),
        "build": ("khub.cli.site", "build"),
        "serve": ("khub.cli.site", "serve"),
        "edition": ("khub.cli.editions", "edition"),
        "editions": ("khub.cli.editions", "editions"),
        "diff": ("khub.cli.editions", "diff"),
        "check": ("khub.cli.check", "check"),
        "accept": ("khub.cli.review", "accept"),
        "dismiss": ("khub.cli.review", "dismiss"),
        "review": ("khub.cli.pullrequest", "review"),
        "health": ("khub.cli.health", "health"),
        "notes": ("khub.cli.notes", "notes"),
    }


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
