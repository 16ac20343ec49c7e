"""Every command resolves, has help text, and errors print without a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from khub.cli.main import _lazy_commands, main
from tests.kit.paths import REPO


@pytest.mark.parametrize("name", sorted(_lazy_commands()))
def test_every_command_resolves_and_has_help(name: str) -> None:
    ctx = click.Context(main)
    command = main.get_command(ctx, name)
    assert command is not None, f"khub {name} is listed but its module is missing"
    assert command.help and command.help.strip(), f"khub {name} has no help text"
    if isinstance(command, click.Group):
        for sub in command.list_commands(ctx):
            subcommand = command.get_command(ctx, sub)
            assert subcommand is not None and (subcommand.help or "").strip()


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in _lazy_commands():
        assert f"  {name}" in result.output


def test_missing_data_folder_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "khub", "validate"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == "data: no data/ folder here (run khub from the hub's top folder)"
    assert "Traceback" not in proc.stdout + proc.stderr


def test_unknown_fact_exits_1_with_suggestion() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "khub", "fact", "frontier-leed"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: no fact 'frontier-leed' (did you mean frontier-lead")


def test_usage_error_exits_2() -> None:
    result = CliRunner().invoke(main, ["fact"])
    assert result.exit_code == 2
