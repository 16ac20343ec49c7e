"""`khub accept` and `khub dismiss`: the editor's decisions on a check report."""

from __future__ import annotations

import datetime as dt
import getpass
import os
import subprocess
from pathlib import Path

import click

from khub.check.accept import accept_report
from khub.check.dismissals import dismiss_from_report
from khub.disk.lock import waiting_message

ACCEPT_HELP = """Write the values a check report recorded, exactly as reviewed.

Reads DIR/check-report.json (written by `khub check --report DIR`) and writes the new
value of each FACT with a history record, fetching nothing: what is written is what was
reviewed. Rejected values (over max_jump, a sign change, a move beyond ×10) and held ones
are accepted as well as changed ones, when named. A fact in a group brings its whole group
(the same JSON record or table row of one URL, or one `group:` name). Without FACT, every
`changed` and `filled` proposal of the report is accepted.

\b
Refused, with nothing written (exit 1):
  - a fact whose value or as_of in data/ changed since the report (its sha256 differs);
  - a value that fails validation (unit, choices, bounds);
  - a group member the report has no value for (not-found, unreachable, ambiguous).

Writes under data/'s write lock, atomically; records the evidence (page, sha256, fetch
time) in data/check-state.yml.

\b
Exit codes:
  0  written (or nothing to accept)
  1  refused: nothing written (the message names each fact and why)
  2  usage: no report in DIR, a FACT not in it, or one with no value to accept
  3  the write lock of data/ was not free within $KHUB_LOCK_TIMEOUT seconds
"""

DISMISS_HELP = """Dismiss proposals of a check report: later checks stop raising them.

Records each FACT's proposed source value, with the sha256 of the page it came from, the
reason, who (--by, default `git config user.name` or $USER) and when, in
data/dismissals.yml. Later `khub check` runs report the same discrepancy as `dismissed`
(no attention needed) while the source still gives that value and --until has not
passed; a different value raises it again. Remove an entry to raise it at once.

Dismissing one member of a group dismisses every member proposing a value; while one
member is dismissed, the others are held. Exit 2 for a FACT not in the report or with no
proposal, an empty --reason or a past --until; nothing is written then.
"""


report_option = click.option(
    "--report",
    "report_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder holding check-report.json.",
)


@click.command(help=ACCEPT_HELP)
@report_option
@click.argument("facts", nargs=-1)
def accept(report_dir: Path, facts: tuple[str, ...]) -> None:
    """Accept reviewed values (the help text is ACCEPT_HELP)."""
    done = accept_report(Path(), report_dir, list(facts), on_wait=_waiting)
    if not done.facts:
        click.echo("nothing to accept in the report", err=True)
        return
    written = ", ".join(done.files) or "no file changed"
    click.echo(f"accepted {len(done.facts)} fact(s): {', '.join(done.facts)}; wrote {written}")


@click.command(help=DISMISS_HELP)
@report_option
@click.option("--reason", required=True, help="Why the proposal is not taken.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Raise it again after this date.")
@click.option("--by", default=None, help="Who dismisses it (default: git user.name, $USER).")
@click.argument("facts", nargs=-1, required=True)
def dismiss(
    report_dir: Path,
    reason: str,
    until: dt.datetime | None,
    by: str | None,
    facts: tuple[str, ...],
) -> None:
    """Dismiss proposals (the help text is DISMISS_HELP)."""
    from khub.data.load import today_default

    added = dismiss_from_report(
        Path(),
        report_dir,
        list(facts),
        reason=reason,
        by=by or _who(),
        today=today_default(),
        until=until.date() if until else None,
    )
    for entry in added:
        click.echo(f"dismissed {entry.fact} = {entry.value} ({entry.reason})")


def _who() -> str:
    """Return git's user.name, else $USER, else the login name."""
    try:
        name = subprocess.run(
            ["git", "config", "user.name"], capture_output=True, text=True, check=False, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        name = ""
    return name or os.environ.get("USER") or getpass.getuser()


def _waiting(pid: int | None) -> None:
    click.echo(waiting_message(pid), err=True)
