"""`khub health`: what the hub's editors should look at, as text or JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from khub.clock import today_default


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the health report as JSON.")
@click.option(
    "--today",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Date to judge staleness and expiry against (default KHUB_TODAY, else today).",
)
@click.pass_context
def health(ctx: click.Context, as_json: bool, today: dt.datetime | None) -> None:
    """List facts never checked, manual checks due, failing checks and dismissals.

    Also sources without a URL, stale facts and false claims. Failing checks come from
    data/check-state.yml and dismissals from data/dismissals.yml; a section whose file is
    absent is left out. The built site has the same as health.md, not in the navigation.
    Reads data/ only, writes nothing; exit 0 (2 when data/ does not load).
    """
    from khub.data.health import health as gather
    from khub.data.health import render_text
    from khub.data.load import load
    from khub.data.settings import load_settings

    ctx.meta["khub.json"] = as_json
    factset, _ = load(".")
    settings = load_settings(Path())
    day = today.date() if today else today_default()
    report = gather(factset, Path(), day, settings.stale_after_days)
    if as_json:
        click.echo(json.dumps(report.data(), indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(report), nl=False)
