"""Read and validate everything under data/: collect every problem, then raise once."""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from khub.clock import today_default
from khub.data.derive import derive_all, evaluate_claims
from khub.data.files import DataFile, read_all
from khub.data.hosts import warn_check_hosts
from khub.data.ids import id_problem, series_problem
from khub.data.memo import LoadMemo
from khub.data.model import DerivedFile, Fact, FactSet, Series, Source
from khub.data.problems import ProblemLog
from khub.data.record_errors import validate
from khub.data.sanity import Where, check_fact, check_reference_value
from khub.data.yamlio import MAX_FILE_BYTES
from khub.disk.cachedir import cache_root
from khub.errors import DataError, Problem
from khub.units import UNITS, get_unit

R = TypeVar("R", bound=BaseModel)


def load(
    root: Path | str = ".",
    *,
    today: dt.date | None = None,
    cache: bool = True,
    memo: LoadMemo | None = None,
) -> tuple[FactSet, list[Problem]]:
    """Load the hub at root; return the fact set and its warnings, or raise DataError.

    With memo (a long-lived process's, khub.data.memo), records of unchanged files are
    not validated again.
    """
    root = Path(root)
    log = ProblemLog()
    if not (root / "data").is_dir():
        log.add(Problem("data", 0, "no data/ folder here", "run khub from the hub's top folder"))
        raise DataError(log.located())
    cache_dir = cache_root(root) / "yaml" if cache else None
    files = read_all(root, log, cache_dir)
    factset = FactSet(root=str(root), files={f.path: f.sha256 for f in files})
    try:
        _build(files, factset, today or today_default(), log, _unparsed_series(root, log), memo)
    finally:
        if memo is not None:
            memo.end()
    _check_notes(root, factset, today or today_default(), log)
    problems = log.located()
    if log.has_errors:
        raise DataError(problems)
    return factset, problems


def _check_notes(root: Path, factset: FactSet, today: dt.date, log: ProblemLog) -> None:
    """Read what the re-checks left: failing checks and dismissed proposals."""
    from khub.check.dismissals import load_dismissals
    from khub.check.state import load_state

    try:
        state = load_state(root)
        dismissals = load_dismissals(root)
    except DataError as error:
        for problem in error.problems:
            log.add(problem)
        return
    for fid, entry in state.items():
        if entry.failing_since is not None:
            factset.failing_since[fid] = entry.failing_since
    for item in dismissals:
        if item.until is not None and item.until < today:
            continue
        note = f"{item.value} dismissed {item.date.isoformat()} by {item.by}: {item.reason}"
        factset.dismissed[item.fact] = note + (f" (until {item.until})" if item.until else "")


@dataclass
class _Context:
    """What one load knows so far, shared by the readers of each file kind."""

    factset: FactSet
    today: dt.date
    log: ProblemLog
    broken: set[str] = field(default_factory=set)  # ids whose own errors are reported
    sources_known: bool = True  # False when sources.yml could not be read at all
    broken_sources: set[str] = field(default_factory=set)
    origin: dict[str, str] = field(default_factory=dict)
    memo: LoadMemo | None = None

    def validate(self, model: type[R], raw: Any, f: DataFile, keypath: tuple[str, ...]) -> R | None:
        """Validate one record of f (logging its errors); from the memo when it has it."""
        if self.memo is None:
            return validate(model, raw, f.path, keypath, self.log)
        key = (f.path, f.sha256, "\0".join(keypath))
        return self.memo.record(key, model, lambda: validate(model, raw, f.path, keypath, self.log))

    def check(self, f: DataFile, rid: str, run: Callable[[ProblemLog], None]) -> None:
        """Run a check that reads only f's record rid and today; from the memo when it has it."""
        if self.memo is None:
            run(self.log)
        else:
            self.memo.check((f.path, f.sha256, rid), self.today, run, self.log)

    def fact(self, f: DataFile, fid: str, make: Callable[[], Fact]) -> Fact:
        """Return the Fact make gives for fid of file f; from the memo when it has it."""
        return make() if self.memo is None else self.memo.fact((f.path, f.sha256, fid), make)


def _build(
    files: list[DataFile],
    factset: FactSet,
    today: dt.date,
    log: ProblemLog,
    unparsed: set[str],
    memo: LoadMemo | None = None,
) -> None:
    ctx = _Context(factset, today, log, memo=memo)
    ctx.broken.update(unparsed)  # references to them follow from the parse error: no report
    ctx.sources_known = any(f.kind == "sources" for f in files) or not any(
        p.endswith("sources.yml") for p in _unparsed(log)
    )
    for f in files:
        if f.kind == "sources":
            _read_sources(f, ctx)
    for f in files:
        if f.kind == "facts":
            _read_facts(f, ctx)
    for f in files:
        if f.kind == "derived":
            _read_derived(f, ctx)
    if any(f.kind == "rules" for f in files) and not log.has_errors:
        _check_rules(factset, log)
    if any(f.kind == "calculators" for f in files) and not log.has_errors:
        _check_calculators(factset, log)
    _warn_sources(factset, log)
    warn_check_hosts(factset, log)


def _check_rules(factset: FactSet, log: ProblemLog) -> None:
    """Check the decision rules against the facts they name."""
    from khub.data.decision_rules import load_rules

    try:
        load_rules(factset)
    except DataError as exc:
        for problem in exc.problems:
            log.add(problem)


_TOP_KEY = re.compile(r"([a-z0-9][a-z0-9-]*)[ \t]*:(?:[ \t]|$)")


def _unparsed_series(root: Path, log: ProblemLog) -> set[str]:
    """Return the series ids the facts files that failed to parse appear to define.

    A formula naming one of them would otherwise be reported as an unknown fact, with a
    "did you mean" pointing elsewhere, although the only error is the file's syntax.
    """
    found: set[str] = set()
    for rel in _unparsed(log):
        if rel.startswith("data/facts/"):
            found.update(_top_level_keys(root / rel))
    return found


def _top_level_keys(path: Path) -> set[str]:
    """Return the keys written at the start of a line of a file too broken for YAML."""
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_FILE_BYTES:
            return set()
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    return {m.group(1) for line in text.splitlines() if (m := _TOP_KEY.match(line))}


def _check_calculators(factset: FactSet, log: ProblemLog) -> None:
    """Check and compile the calculators against the facts they name."""
    from khub.calc.spec import load_calculators

    try:
        load_calculators(factset)
    except DataError as exc:
        for problem in exc.problems:
            log.add(problem)


def _unparsed(log: ProblemLog) -> list[str]:
    """Return the files that failed to parse (their problems carry no key path)."""
    return [p.path for p in log.problems if p.severity == "error" and not p.keypath]


def _mapping(f: DataFile, log: ProblemLog, what: str) -> dict[str, Any] | None:
    if not isinstance(f.data, dict):
        log.error(
            f.path,
            (),
            f"expected a mapping of {what} at the top level",
            "write one 'id:' block per entry",
        )
        return None
    return f.data


def _read_sources(f: DataFile, ctx: _Context) -> None:
    data = _mapping(f, ctx.log, "source ids")
    if data is None:
        ctx.sources_known = False
    for sid, raw in (data or {}).items():
        bad_id = id_problem(str(sid), "source")
        if bad_id is not None:
            ctx.log.error(f.path, (str(sid),), *bad_id)
            ctx.broken_sources.add(str(sid))
            continue
        source = ctx.validate(Source, raw, f, (str(sid),))
        if source is None:
            ctx.broken_sources.add(str(sid))
        else:
            ctx.factset.sources[str(sid)] = source


def _read_facts(f: DataFile, ctx: _Context) -> None:
    data = _mapping(f, ctx.log, "series ids")
    for sid, raw in (data or {}).items():
        sid = str(sid)
        bad_id = series_problem(sid)
        if bad_id is not None:
            ctx.log.error(f.path, (sid,), *bad_id)
            ctx.broken.add(sid)
            continue
        if sid in ctx.origin:
            ctx.log.error(
                f.path,
                (sid,),
                f"series '{sid}' is defined twice",
                f"it is also in {ctx.origin[sid]}; fact ids must be unique across files",
            )
            continue
        ctx.origin[sid] = f.path
        series = ctx.validate(Series, raw, f, (sid,))
        if series is None or not _series_refs_ok(sid, series, f.path, ctx):
            ctx.broken.add(sid)
            continue
        ctx.factset.series[sid] = series
        _add_series_facts(sid, series, f, ctx)


def _series_refs_ok(sid: str, series: Series, path: str, ctx: _Context) -> bool:
    """Report a series' own unknown unit or source once, at its line; False drops it."""
    if series.source is not None:
        _check_source(sid, series.source, path, (sid, "source"), ctx)
    if get_unit(series.unit) is None:
        ctx.log.error(
            path, (sid, "unit"), f"{sid}: unknown unit '{series.unit}'", _unit_hint(series.unit)
        )
        return False
    return True


def _unit_hint(name: str) -> str:
    close = difflib.get_close_matches(name, UNITS, n=1)
    return f"did you mean '{close[0]}'?" if close else f"one of {', '.join(UNITS)}"


def _add_series_facts(sid: str, series: Series, f: DataFile, ctx: _Context) -> None:
    path = f.path
    for subject, record in series.facts.items():
        fid = f"{sid}.{subject}"
        keypath = (sid, "facts", subject)
        unit = get_unit(record.unit or series.unit)
        if unit is None:
            ctx.log.error(
                path,
                (*keypath, "unit"),
                f"{fid}: unknown unit '{record.unit}'",
                _unit_hint(str(record.unit)),
            )
            ctx.broken.add(fid)
            continue
        source = record.source or series.source
        if source is None:
            ctx.log.error(
                path, keypath, f"{fid}: no source", "add 'source:' to the series or the fact"
            )
        elif record.source is not None:
            _check_source(fid, source, path, (*keypath, "source"), ctx)
        where = Where(path, keypath, fid)
        ctx.check(f, fid, functools.partial(check_fact, record, series, unit, where, ctx.today))
        make = functools.partial(
            Fact,
            id=fid,
            label=record.label or subject,
            unit=unit,
            value=record.value,
            as_of=record.as_of,
            verified=record.verified,
            status=record.status,
            source=source,
            file=path,
            series=sid,
            note=record.note,
            decimals=record.decimals if record.decimals is not None else series.decimals,
            bounds=record.bounds or series.bounds,
            check=record.check,
            history=tuple(record.history),
            vendor=record.vendor or _series_vendor(series, subject),
            references=tuple(record.references),
            stale_after_days=series.stale_after_days,
        )
        fact = ctx.factset.facts[fid] = ctx.fact(f, fid, make)
        if fact.references:
            _check_references(fact, series, where, ctx)


def _check_references(fact: Fact, series: Series, where: Where, ctx: _Context) -> None:
    """Report unknown sources, ill-typed values and a status the references contradict."""
    from khub.data.agreement import contradiction, judge

    for n, ref in enumerate(fact.references):
        keypath = (*where.keypath, "references", n)
        _check_source(fact.id, ref.source, where.path, (*keypath, "source"), ctx)
        if ref.states is None and not ref.does_not_state:
            ctx.log.error(
                where.path,
                (*keypath, "states"),
                f"{fact.id}: reference to '{ref.source}' states null",
                "write the value it states, or does_not_state: true with a note",
            )
        elif ref.states is not None:
            check_reference_value(
                ref.states, fact.unit, series.choices, where, (*keypath, "states"), ctx.log
            )
    orgs = {source.org_id for source in ctx.factset.sources.values()}
    if fact.vendor is not None and fact.vendor not in orgs:
        close = difflib.get_close_matches(fact.vendor, orgs, n=1)
        ctx.log.warn(
            where.path,
            where.keypath,
            f"{fact.id}: vendor '{fact.vendor}' is the org of no source",
            f"did you mean '{close[0]}'?" if close else "give the vendor's source an 'org:'",
        )
    agreement = judge(fact, ctx.factset.sources)
    problem = contradiction(fact, agreement)
    if problem is not None:
        ctx.log.error(where.path, (*where.keypath, "status"), *problem)
    elif agreement.earned is None and fact.status != "estimate":
        ctx.log.warn(
            where.path,
            (*where.keypath, "references"),
            f"{fact.id}: status '{fact.status}' is not earned: no reference states the value",
            "add a reference that states it, or record why none could be found",
        )


def _series_vendor(series: Series, subject: str) -> str | None:
    """Return the vendor a series names for one subject (one for all, or per subject)."""
    if isinstance(series.vendor, dict):
        return series.vendor.get(subject)
    return series.vendor


def _check_source(
    owner: str, source: str, path: str, keypath: tuple[str | int, ...], ctx: _Context
) -> None:
    """Report a citation of a source that does not exist (unless sources.yml itself failed)."""
    known = ctx.factset.sources
    if source in known or source in ctx.broken_sources or not ctx.sources_known:
        return
    close = difflib.get_close_matches(source, known, n=1)
    hint = f"did you mean '{close[0]}'?" if close else "add it to data/sources.yml"
    ctx.log.error(path, keypath, f"{owner}: unknown source '{source}'", hint)


def _read_derived(f: DataFile, ctx: _Context) -> None:
    factset, log, broken = ctx.factset, ctx.log, ctx.broken
    record = ctx.validate(DerivedFile, f.data, f, ())
    if record is None:
        return
    for did in record.derived:
        if did in factset.series:
            log.error(
                f.path,
                ("derived", did),
                f"derived id '{did}' is also a series id",
                "rename one of them",
            )
    derived = derive_all(dict(record.derived), factset.facts, f.path, log, broken)
    factset.facts.update(derived)
    factset.claims = evaluate_claims(dict(record.claims), factset.facts, f.path, log, broken)


def _warn_sources(factset: FactSet, log: ProblemLog) -> None:
    for sid, source in factset.sources.items():
        if source.url is None:
            log.warn(
                "data/sources.yml",
                (sid, "url"),
                f"source '{sid}' has no URL",
                "fill it from the publication when known; never guess one",
            )


def find_fact(factset: FactSet, fid: str) -> Fact:
    """Return a fact by id, or raise NotFoundError with the closest ids."""
    from khub.errors import NotFoundError

    if fid in factset.facts:
        return factset.facts[fid]
    close = difflib.get_close_matches(fid, factset.facts, n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise NotFoundError(f"no fact '{fid}'{hint}")


__all__ = ["Fact", "FactSet", "find_fact", "load", "today_default"]
