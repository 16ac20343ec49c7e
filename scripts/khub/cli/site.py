"""Commands that make the site: generate, build, serve."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import click

from khub.data.load import load, today_default
from khub.data.memo import LoadMemo
from khub.data.model import FactSet
from khub.disk.kept import KeptFiles
from khub.disk.paths import safe_output_path
from khub.errors import DataError, KhubError
from khub.render.sandbox import Helper
from khub.render.sanitize import require_enabled
from khub.site.builder import SITE_DIR, build_env, build_site, scratch_generate
from khub.site.children import Interrupted, stop_signals_raise
from khub.site.generate import BUILD_DOCS, GenerateResult
from khub.site.generate import generate as generate_docs
from khub.site.warm import WarmBuilder

_TODAY_HELP = "Date to judge staleness against (YYYY-MM-DD); default KHUB_TODAY, else today."


@dataclass
class Kept:
    """What `khub serve` keeps from one build for the next."""

    builder: WarmBuilder  # its builder child (khub.site.warm)
    memo: LoadMemo = field(default_factory=LoadMemo)  # the last load's (khub.data.memo)
    files: KeptFiles = field(default_factory=KeptFiles)  # generate's cache files (khub.disk.kept)


def run_generate(
    root: Path,
    today: dt.date | None = None,
    cache: bool = True,
    out_dir: Path | None = None,
    kept: Kept | None = None,
) -> GenerateResult:
    """Load the data and generate build/docs (or out_dir) with every helper of the site.

    The helpers are the calculators, the charts and the what-changed blocks. kept is what
    `khub serve` keeps between its builds.
    """
    from khub.calc import export as calculators
    from khub.render import charts, whatchanged

    factset, _ = load(root, today=today, memo=kept.memo if kept else None)
    return generate_docs(
        root,
        factset,
        helpers=site_helpers(factset),
        module_preamble=whatchanged.module_preamble(root, factset),
        extra_files=[calculators.extra_files, charts.extra_files, whatchanged.extra_files],
        today=today,
        out_dir=out_dir,
        cache=cache,
        kept=kept.files if kept else None,
    )


def site_helpers(factset: FactSet) -> dict[str, Helper]:
    """Return the template functions the site's pages get beyond the sandbox's own."""
    from khub.calc.form import calculator_helper
    from khub.render import charts

    return {"calculator": calculator_helper(factset), "chart": charts.chart_helper(factset)}


def _summary(result: GenerateResult) -> str:
    return (
        f"generated {result.out_dir}: {len(result.written)} written, "
        f"{len(result.deleted)} deleted, {result.unchanged} unchanged; "
        f"{len(result.rendered)} module(s) rendered, {len(result.reused)} reused; "
        f"{len(result.pages)} fact page(s) rendered"
    )


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date like 2026-06-30") from None


@click.command(name="generate")
@click.option("--today", help=_TODAY_HELP)
@click.option("--no-cache", is_flag=True, help="Render every page again (ignore the cache).")
def generate(today: str | None, no_cache: bool) -> None:
    """Write build/docs/: module pages, fact pages, sources, API JSON.

    Renders everything in memory first; on any error prints file:line problems and leaves
    build/docs/ untouched. Only files whose bytes changed are rewritten, and only modules
    whose template or used facts changed are rendered again.
    """
    result = run_generate(Path(), _date(today), cache=not no_cache)
    click.echo(_summary(result), err=True)


@click.command(name="build")
@click.option("--today", help=_TODAY_HELP)
def build(today: str | None) -> None:
    """Generate build/docs/, then run mkdocs build --strict into site/.

    Pages are generated into a staging copy of build/docs and the site is built from it;
    only when both succeed do they replace build/docs/ and site/, so a failed or stopped
    build (an error, Ctrl-C, SIGTERM, SIGHUP) leaves both as they were. MkDocs runs in a
    child process that khub ends with itself. Pages whose source and build context are
    unchanged since a build are taken from khub's page cache; the result is the site a
    clean build makes. A warning about a module page names the line of content/MODULE.md
    it comes from. Pin SOURCE_DATE_EPOCH and KHUB_TODAY for byte-identical builds. Refuses
    to start when mkdocs.yml does not enable khub.render.sanitize, the HTML sanitiser.
    """
    require_enabled(Path())
    safe_output_path(Path(), SITE_DIR, ".")  # refuse a planted site/ symlink before writing
    with stop_signals_raise():
        _build_once(Path(), _date(today))


def _build_once(
    root: Path, when: dt.date | None, kept: Kept | None = None, sources: str = ""
) -> None:
    """Run one `khub build` and say what it did.

    `khub serve` gives what it keeps between builds (kept) and the sources' digest it has
    just made; what generate would have written of its cache files is written at the end.
    """
    day = (when or today_default()).isoformat()
    generate = functools.partial(_generate_into, root, when, kept)
    try:
        outcome = build_site(root, generate, day, kept.builder if kept else None, sources)
    finally:
        if kept is not None:
            kept.files.flush()  # the site is served by now: nobody waits for these writes
    if outcome.result is None:
        click.echo(f"{BUILD_DOCS} is up to date: no source changed since the last build", err=True)
    else:
        click.echo(_summary(replace(outcome.result, out_dir=Path(BUILD_DOCS))), err=True)
    if outcome.rebuilt:
        if outcome.pages:
            click.echo(f"pages: {outcome.pages}", err=True)
        click.echo(f"built {SITE_DIR}", err=True)
    else:
        click.echo(f"{SITE_DIR} is up to date: nothing changed since the last build", err=True)


def _warm_up(root: Path, when: dt.date | None, kept: Kept) -> None:
    """Generate once into a scratch folder, so that the first rebuild finds khub warm.

    It loads khub's code and fills what `khub generate` keeps in memory between runs; its
    problems, if any, are left to the next build to report.
    """
    with contextlib.suppress(KhubError):
        scratch_generate(root, functools.partial(_generate_into, root, when, kept))
    kept.files.flush()


def _generate_into(
    root: Path, when: dt.date | None, kept: Kept | None, out: Path
) -> GenerateResult:
    return run_generate(root, when, out_dir=out, kept=kept)


@click.command(name="serve")
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True, help="Address to serve.")
@click.option("--today", help=_TODAY_HELP)
def serve(dev_addr: str, today: str | None) -> None:
    """Serve site/ as a live preview, rebuilt once per edit of content/, data/, templates/.

    Builds like `khub build` (unchanged pages come from the page cache), then waits without
    using the processor until a source's bytes change; a failed rebuild prints its problems
    and keeps serving the last good site. Reload the page in the browser to see a change.
    Stops, with any build it runs, on Ctrl-C, SIGTERM or SIGHUP.
    """
    from khub.site.preview import Preview, Watcher, bind, serve_in_background

    root, when = Path(), _date(today)
    require_enabled(root)
    site = safe_output_path(root, SITE_DIR, ".")
    server = bind(dev_addr, site.resolve())  # a taken port: one line, before any build
    day = (when or today_default()).isoformat()

    kept = Kept(WarmBuilder(root, build_env()))

    def rebuild(sources: str = "") -> bool:
        try:
            _build_once(root, when, kept, sources)
        except DataError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            return False
        except Interrupted:
            raise
        except KhubError as exc:
            click.echo(f"error: {exc}", err=True)
            return False
        return True

    watcher = Watcher(root)
    preview = Preview(root, rebuild, lambda line: click.echo(line, err=True), day, watcher)
    with stop_signals_raise():
        stop_watching = watcher.start()  # before the first build: an edit during it counts
        stop_serving: Callable[[], None] | None = None
        try:
            kept.builder.start()  # it reads the page cache while the first build checks the sources
            if not rebuild() and not site.is_dir():
                raise KhubError("the first build failed; fix the problems above and start again")
            preview.mark_built()
            stop_serving = serve_in_background(server)
            if not kept.memo.facts:  # the site was up to date, nothing loaded: warm up
                _warm_up(root, when, kept)
            click.echo(f"khub serve: serving {SITE_DIR}/ at http://{dev_addr}/", err=True)
            preview.run()
        except Interrupted as exc:
            click.echo(f"{exc}: preview ended", err=True)
        finally:
            stop_watching()
            kept.builder.close()
            if stop_serving is not None:
                stop_serving()
            else:
                server.server_close()
