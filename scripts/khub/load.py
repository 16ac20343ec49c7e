"""Read and validate everything under data/: collect every problem, then raise once."""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Any

from khub.clock import today_default
from khub.datafiles import DataFile, read_all
from khub.derive import derive_all, evaluate_claims
from khub.errors import DataError, Problem
from khub.factcheck import Where, check_fact
from khub.model import DerivedFile, Fact, FactSet, Series, Source
from khub.records import validate
from khub.report import ProblemLog
from khub.units import UNITS, get_unit


def load(
    root: Path | str = ".", *, today: dt.date | None = None, cache: bool = True
) -> tuple[FactSet, list[Problem]]:
    """Load the hub at root; return the fact set and its warnings, or raise DataError."""
    root = Path(root)
    log = ProblemLog()
    if not (root / "data").is_dir():
        log.add(Problem("data", 0, "no data/ folder here", "run khub from the hub's top folder"))
        raise DataError(log.located())
    cache_dir = root / ".khub-cache" / "yaml" if cache else None
    files = read_all(root, log, cache_dir)
    factset = FactSet(root=str(root), files={f.path: f.sha256 for f in files})
    _build(files, factset, today or today_default(), log)
    problems = log.located()
    if log.has_errors:
        raise DataError(problems)
    return factset, problems


def _build(files: list[DataFile], factset: FactSet, today: dt.date, log: ProblemLog) -> None:
    for f in files:
        if f.kind == "sources":
            _read_sources(f, factset, log)
    broken: set[str] = set()
    origin: dict[str, str] = {}
    for f in files:
        if f.kind == "facts":
            _read_facts(f, factset, today, log, broken, origin)
    for f in files:
        if f.kind == "derived":
            _read_derived(f, factset, log, broken)
    _warn_sources(factset, log)


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


def _read_sources(f: DataFile, factset: FactSet, log: ProblemLog) -> None:
    data = _mapping(f, log, "source ids")
    for sid, raw in (data or {}).items():
        source = validate(Source, raw, f.path, (str(sid),), log)
        if source is not None:
            factset.sources[str(sid)] = source


def _read_facts(
    f: DataFile,
    factset: FactSet,
    today: dt.date,
    log: ProblemLog,
    broken: set[str],
    origin: dict[str, str],
) -> None:
    data = _mapping(f, log, "series ids")
    for sid, raw in (data or {}).items():
        sid = str(sid)
        if sid in origin:
            log.error(
                f.path,
                (sid,),
                f"series '{sid}' is defined twice",
                f"it is also in {origin[sid]}; fact ids must be unique across files",
            )
            continue
        origin[sid] = f.path
        series = validate(Series, raw, f.path, (sid,), log)
        if series is None:
            broken.add(sid)
            continue
        factset.series[sid] = series
        _add_series_facts(sid, series, f.path, factset, today, log)


def _add_series_facts(
    sid: str, series: Series, path: str, factset: FactSet, today: dt.date, log: ProblemLog
) -> None:
    for subject, record in series.facts.items():
        fid = f"{sid}.{subject}"
        keypath = (sid, "facts", subject)
        unit_name = record.unit or series.unit
        unit = get_unit(unit_name)
        if unit is None:
            close = difflib.get_close_matches(unit_name, UNITS, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"one of {', '.join(UNITS)}"
            log.error(
                path,
                (*keypath, "unit") if record.unit else (sid, "unit"),
                f"{fid}: unknown unit '{unit_name}'",
                hint,
            )
            continue
        source = record.source or series.source
        _check_source(fid, source, path, keypath, factset, log)
        check_fact(record, series, unit, Where(path, keypath, fid), today, log)
        factset.facts[fid] = Fact(
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
        )


def _check_source(
    fid: str,
    source: str | None,
    path: str,
    keypath: tuple[str, ...],
    factset: FactSet,
    log: ProblemLog,
) -> None:
    if source is None:
        log.error(path, keypath, f"{fid}: no source", "add 'source:' to the series or the fact")
    elif source not in factset.sources:
        close = difflib.get_close_matches(source, factset.sources, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "add it to data/sources.yml"
        log.error(path, (*keypath, "source"), f"{fid}: unknown source '{source}'", hint)


def _read_derived(f: DataFile, factset: FactSet, log: ProblemLog, broken: set[str]) -> None:
    record = validate(DerivedFile, f.data, f.path, (), log)
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
