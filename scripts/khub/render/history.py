"""A fact's past values for its fact page: a table of periods and, from three numbers, a chart.

The periods come from two records: the fact's own `history` (value, from, to, source, note:
what `khub check --apply` writes when a value changes) and the published editions, each of
which froze the value it showed. A period gets the first edition that published its value;
a value an edition published but the history does not record (a hand edit) becomes a
period of its own, from its as-of date to the publication of the edition that replaced it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from khub.data.model import Fact, FactSet
from khub.editions.store import Edition, edition_snapshot
from khub.render import blocks
from khub.render.changes import frozen_value
from khub.render.charts import Point, figure_html, history_chart, sources_text
from khub.render.display import RawValue, edition_name, format_value, human_date

MIN_CHART_POINTS = 3  # fewer numbers make no trend worth drawing
NOT_PUBLISHED = "not yet published"


@dataclass(frozen=True)
class Published:
    """A value as one edition froze it: the edition, its publication day, value, date, source."""

    edition: str
    published: dt.date
    value: RawValue
    as_of: dt.date
    source: str | None


@dataclass(frozen=True)
class Period:
    """One value of a fact and when it held: `end` None is the current value."""

    value: RawValue
    start: dt.date
    end: dt.date | None
    source: str | None
    note: str | None = None
    edition: str | None = None


def published_values(editions: Iterable[Edition]) -> dict[str, list[Published]]:
    """Return, per fact id, the value each edition published, oldest edition first."""
    out: dict[str, list[Published]] = {}
    for edition in editions:
        day = edition.record.published
        for fid, state in edition_snapshot(edition).facts.items():
            out.setdefault(fid, []).append(
                Published(
                    edition.id,
                    day,
                    frozen_value(state.value),
                    dt.date.fromisoformat(state.as_of),
                    state.source,
                )
            )
    return out


def _runs(published: Sequence[Published]) -> list[tuple[Published, dt.date | None]]:
    """Return each run of editions showing one value: its first edition and when it was replaced."""
    runs: list[tuple[Published, dt.date | None]] = []
    for item in published:
        if runs and runs[-1][0].value == item.value:
            continue
        if runs:
            runs[-1] = (runs[-1][0], item.published)
        runs.append((item, None))
    return runs


def fact_periods(fact: Fact, published: Sequence[Published] = ()) -> list[Period]:
    """Return a fact's periods, oldest first: its history, the editions' values, the current one."""
    periods = sorted(
        (Period(h.value, h.from_, h.to, h.source or fact.source, h.note) for h in fact.history),
        key=lambda p: p.start,
    )
    periods.append(Period(fact.value, fact.as_of, None, fact.source))
    matched = 0
    for run, replaced in _runs(published):
        found = next(
            (i for i in range(matched, len(periods)) if periods[i].value == run.value), None
        )
        if found is None:
            alone = Period(run.value, run.as_of, replaced, run.source, edition=run.edition)
            periods.insert(matched, alone)
            matched += 1
            continue
        if periods[found].edition is None:
            periods[found] = replace(periods[found], edition=run.edition)
        matched = found + 1 if found < len(periods) - 1 else found
    return _close_gaps(periods)


def _close_gaps(periods: list[Period]) -> list[Period]:
    """End a period known from editions only where the next value starts, when that is later."""
    out = list(periods)
    for i in range(len(out) - 1):
        here, after = out[i], out[i + 1]
        if here.end is not None and here.start < after.start < here.end:
            out[i] = replace(here, end=after.start)
    return out


def history_block(
    fact: Fact, page: str, factset: FactSet, published: Sequence[Published], current: str
) -> str:
    """Return the HTML of a fact's history (chart, then table), or '' with one period only.

    `current` is the current value as HTML; `published` what the editions froze of the fact.
    """
    periods = fact_periods(fact, published)
    if len(periods) < 2:
        return ""
    unit, places = fact.unit.name, fact.decimals
    rows = []
    for p in reversed(periods):
        shown = current if p.end is None else blocks.text(format_value(p.value, unit, places))
        rows.append(_row(p, shown, page, factset, bool(published)))
    head: tuple[str, ...] = ("Value", "From", "To", "Source", "Edition", "Note")
    if not published:  # no edition ever froze this fact: no edition to name
        head, rows = head[:4] + head[5:], [row[:4] + row[5:] for row in rows]
    parts = [blocks.table(head, rows)]
    points = [
        Point(p.start, float(p.value), format_value(p.value, unit, places))
        for p in periods
        if isinstance(p.value, float | int)
    ]
    if len(points) >= MIN_CHART_POINTS:
        numbered = [p for p in periods if isinstance(p.value, float | int)]
        parts.insert(0, _chart(fact, points, factset, numbered))
    return "\n\n".join(parts)


def _row(
    period: Period, value_html: str, page: str, factset: FactSet, has_editions: bool
) -> tuple[str, ...]:
    end = "now" if period.end is None else human_date(period.end)
    if period.edition is not None:
        edition = edition_name(period.edition)
    else:
        edition = NOT_PUBLISHED if has_editions and period.end is None else "—"
    return (
        value_html,
        human_date(period.start),
        end,
        _source(factset, period.source, page),
        blocks.text(edition),
        blocks.text(period.note or ""),
    )


def _source(factset: FactSet, sid: str | None, page: str) -> str:
    if sid is None or sid not in factset.sources:
        return "—"
    return _source_link(factset.sources[sid].title, sid, page)


@functools.lru_cache(maxsize=1024)
def _source_link(title: str, sid: str, page: str) -> str:
    """Return the link to a source's entry (every row of a page links the same few)."""
    return blocks.link(title, blocks.page_url("sources.md", page, sid))


def _chart(fact: Fact, points: list[Point], factset: FactSet, periods: list[Period]) -> str:
    titles = sorted(
        {factset.sources[p.source].title for p in periods if p.source in factset.sources}
    )
    source = (
        f"{'Source' if len(titles) == 1 else 'Sources'}: {'; '.join(titles)}."
        if titles
        else sources_text(factset, [fact.id])
    )
    caption = (
        f"{fact.label}: {len(points)} values from {human_date(points[0].start)} to "
        f"{human_date(points[-1].start)}, as the table below lists them. {source}"
    )
    name = "history-" + fact.id.replace(".", "-")
    figure = figure_html(history_chart(name, fact.label, points, caption))
    return f"{blocks.MARK}\n{figure}"
