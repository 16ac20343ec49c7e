"""The command line: one module per command group; the only code that prints."""

from khub.cli.main import main

__all__ = ["main"]
