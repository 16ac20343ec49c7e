"""The `khub check` command: re-check facts against their sources, report, optionally apply."""

from __future__ import annotations

import ipaddress
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

from khub.check import extract as methods
from khub.check.apply import Applied, apply_run
from khub.check.http import FetchConfig, IPNetwork, Progress
from khub.check.report import FactNote, notes_for, render_json, render_markdown
from khub.check.run import CheckOptions, CheckRun, run_check
from khub.check.writeback import WriteError
from khub.data.load import load
from khub.disk.atomic import write_atomic
from khub.disk.cachedir import cache_root
from khub.disk.lock import LockError, waiting_message
from khub.errors import (
    ApplyFailedError,
    CheckDataError,
    DataError,
    KhubError,
    NotFoundError,
    UsageError,
)

EXIT_OK = 0
EXIT_ATTENTION = 1

HELP = """Re-check facts against their sources and report what changed.

Checks FACT ids (or globs such as 'api-*-price.*'), or every fact with a `check:` block when
none is given. Each URL is fetched once per run, through an HTTP cache (outside the work
tree, see khub.disk.cachedir) revalidated with ETag/Last-Modified. The report (Markdown, ready as
a pull-request body) is printed on stdout; --json prints the JSON report instead;
--report DIR writes both as DIR/check-report.md and DIR/check-report.json (schema:
data/schema/check-report.schema.json); `khub review body --report DIR` turns them into a
pull-request body within GitHub's limit. Progress goes to stderr. As-of and verified
dates come from KHUB_TODAY when set (else today); fetch times are the real clock.

\b
Outcomes (one per fact):
  confirmed    the source gives the current value (numbers equal within 1e-9, relative);
               --apply moves `verified` to the fetch date
  changed      the source gives a new valid value; --apply writes it with a history record
               {value: old, from: old as_of, to: fetch date} and new as_of and verified
  filled       the fact had `value: null` and the source gives one; --apply writes it
               (no history record: there was no value before)
  rejected     the new value fails validation (unit, choices, bounds) or moves by more than
               its max_jump (check.max_jump, else the series' max_jump, else --max-jump,
               else by unit: prices −90%/+100%, token counts −80%/+400%, others 50%); a sign
               change or a move beyond ×10 is always rejected. Never written by --apply:
               `khub accept --report DIR FACT` writes the reviewed value
  held         a valid change whose group (same JSON record or table row of one URL, or the
               same `group:` name) has a refused or unreadable member: nothing of the group
               is written; the reason names the member
  ambiguous    the check matched several different values: each is listed with its path
  dismissed    an editor dismissed this very source value (`khub dismiss`,
               data/dismissals.yml); a different value raises it again
  not-found    the page was read but the value is not there: no match, wrong content type,
               undecodable bytes, malformed JSON or HTML
  unreachable  timeout, connection refused, HTTP error after retries (with the status),
               redirect loop, private address, body over the size cap
  manual       `manual: true`, no extractor: the link is checked and a change of the page's
               sha256 since the last run is reported (state in the hub's cache folder)

\b
Evidence for every fact: final URL, HTTP status, fetch time, sha256 of the body and a short
excerpt around the match.

\b
--apply writes data/facts/*.yml only: comments, key order and quoting are kept, a run with
nothing to write changes no byte, the whole hub is validated before anything is written,
each file is replaced atomically (a killed run leaves every file whole), and if the hub
does not load afterwards the original files are put back. Writers of data/ take turns:
--apply holds data/.khub.disk.lock while it re-reads the data and writes, so two runs both
keep their changes; a run that has to wait says so and gives up after $KHUB_LOCK_TIMEOUT
seconds (default 300). A fact that another writer changed while this run was fetching is
left alone ("not applied", exit 1).

\b
Exit codes:
  0  every fact confirmed, changed (applied with --apply) or manual
  1  some fact rejected, held, ambiguous, not-found or unreachable (the report lists them;
     accepted changes are still applied with --apply), or changed by another writer
  2  usage or data error: unknown fact, fact without a check, invalid data or check block;
     nothing fetched, nothing written
  3  --apply failed; data/ was left or put back as it was

A `check:` block may also set `max_jump: 0.2` (overrides --max-jump for that fact) and
`group: NAME` (facts of one group are written together or not at all). --apply also
records each fact's last outcome in data/check-state.yml (failing since when, for a fact
whose check fails); a run without --apply writes nothing under data/.
"""


@dataclass
class _Bar:
    """Progress on stderr: a bar on a terminal, one plain line per URL otherwise."""

    tty: bool = field(default_factory=lambda: sys.stderr.isatty())
    bar: object | None = None

    def __call__(self, progress: Progress) -> None:
        """Report that one more URL is done."""
        if not self.tty:
            status = "ok" if not isinstance(progress.outcome, Exception) else "failed"
            click.echo(f"[{progress.done}/{progress.total}] {status} {progress.url}", err=True)
            return
        if self.bar is None:
            bar = click.progressbar(length=progress.total, label="fetching", file=sys.stderr)
            bar.__enter__()
            self.bar = bar
        self.bar.update(1)  # type: ignore[attr-defined]
        if progress.done == progress.total:
            self.bar.__exit__(None, None, None)  # type: ignore[attr-defined]


def _verbatim(text: str) -> str:
    """Return text with every paragraph marked so that click does not rewrap it."""
    return "\n\n".join(f"\b\n{para}" for para in text.split("\n\n") if para.strip())


def command_help() -> str:
    """Return the help of `khub check`: outcomes, exit codes and every method's options."""
    parts = [HELP.rstrip()]
    overview = (methods.__doc__ or "").strip().split("\n\nEach method module")[0]
    parts.append(_verbatim(overview))
    for name in methods.methods():
        parts.append(_verbatim(methods.describe(name)))
    return "\n\n".join(parts)


class _CheckCommand(click.Command):
    """`khub check`, whose long help (every method's documentation) is built when shown."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write the full help, importing the method modules only now."""
        self.help = command_help()
        super().format_help_text(ctx, formatter)


@click.command(cls=_CheckCommand, help=HELP)
@click.argument("facts", nargs=-1)
@click.option("--apply", "apply_", is_flag=True, help="Write confirmed and changed facts to data/.")
@click.option(
    "--report",
    "report_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write check-report.md and check-report.json into this folder.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report instead of Markdown.")
@click.option(
    "--max-jump",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Reject a new number that moves by more than this share of the old one (default: "
    "the series' max_jump, else by unit: prices −90%/+100%, token counts −80%/+400%, "
    "others 50%).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=16,
    show_default=True,
    help="Requests in flight at once.",
)
@click.option(
    "--per-host",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Requests in flight to one host at once.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=20.0,
    show_default=True,
    help="Seconds to wait for a server to answer.",
)
@click.option(
    "--retries",
    type=click.IntRange(0, 10),
    default=3,
    show_default=True,
    help="Retries after HTTP 429 or 5xx (waits 1, 2, 4 … s, or as Retry-After asks).",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=20 * 1024 * 1024,
    show_default=True,
    help="Refuse a body larger than this many bytes.",
)
@click.option("--no-cache", is_flag=True, help="Do not read or write the HTTP cache.")
@click.option(
    "--allow-private",
    is_flag=True,
    help="Allow loopback and private addresses. For tests and benchmarks only: never in the "
    "monthly job.",
)
@click.option(
    "--allow-network",
    "allow_networks",
    multiple=True,
    metavar="CIDR",
    help="Allow addresses in this network only, such as 127.0.0.0/8 (tests and benchmarks).",
)
@click.pass_context
def check(
    ctx: click.Context,
    facts: tuple[str, ...],
    apply_: bool,
    report_dir: Path | None,
    as_json: bool,
    max_jump: float | None,
    workers: int,
    per_host: int,
    timeout: float,
    retries: int,
    max_bytes: int,
    no_cache: bool,
    allow_private: bool,
    allow_networks: tuple[str, ...],
) -> None:
    """Re-check facts (the help text is built by command_help)."""
    from khub.cli.main import print_problems

    config = FetchConfig(
        read_timeout=timeout,
        max_workers=workers,
        per_host=per_host,
        retries=retries,
        max_bytes=max_bytes,
        allow_private=allow_private,
        allow_networks=_networks(allow_networks),
        cache_dir=None if no_cache else cache_root(Path()) / "http",
    )
    options = CheckOptions(root=Path(), max_jump=max_jump, fetch=config, progress=_Bar())
    ctx.meta["khub.json"] = as_json
    try:
        factset, _ = load(".")
        run = run_check(factset, list(facts), options)
    except DataError as exc:
        raise CheckDataError(exc.problems) from None
    except NotFoundError as exc:
        raise UsageError(str(exc)) from None
    applied = Applied([], [])
    failure: KhubError | None = None
    if apply_:
        try:
            applied = apply_run(Path(), run, on_wait=_waiting)
        except DataError as exc:
            print_problems(exc.problems)
            failure = WriteError("data/ no longer validates, nothing written")
        except (WriteError, LockError) as exc:
            failure = exc
    notes = notes_for(factset, (item.fact_id for item in run.outcomes))
    _emit(run, applied.files, as_json, report_dir, notes)
    for conflict in applied.conflicts:
        click.echo(f"not applied: {conflict}", err=True)
    if failure is not None:
        raise ApplyFailedError(str(failure))
    attention = run.needs_attention() or bool(applied.conflicts)
    ctx.exit(EXIT_ATTENTION if attention else EXIT_OK)


def _waiting(pid: int | None) -> None:
    """Say that this run waits for another writer of data/."""
    click.echo(waiting_message(pid), err=True)


def _networks(cidrs: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    try:
        return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--allow-network") from None


def _emit(
    run: CheckRun,
    applied: list[str],
    as_json: bool,
    report_dir: Path | None,
    notes: dict[str, FactNote],
) -> None:
    if report_dir is not None:
        markdown = render_markdown(run, applied, notes)
        document = render_json(run, applied, notes)
        write_atomic(report_dir / "check-report.md", markdown.encode("utf-8"))
        write_atomic(report_dir / "check-report.json", document.encode("utf-8"))
        click.echo(document if as_json else markdown, nl=False)
    else:
        render = render_json if as_json else render_markdown
        click.echo(render(run, applied, notes), nl=False)
    counts = ", ".join(f"{count} {name}" for name, count in run.counts().items() if count)
    written = f"; wrote {len(applied)} file(s)" if applied else ""
    click.echo(
        f"checked {len(run.outcomes)} facts from {run.urls} URLs in {run.elapsed_s:.1f} s: "
        f"{counts or 'nothing to check'}{written}",
        err=True,
    )
