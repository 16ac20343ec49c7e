"""The `khub` command line: the only module that prints."""

import click


@click.group()
def main() -> None:
    """khub: facts, re-checks and module pages of the Knowledge Hub."""
