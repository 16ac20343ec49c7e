"""table: read one cell of an HTML table, addressed by header names and a row match.

Options of the fact's ``check`` block:

``table`` (required)
    A mapping that addresses the cell:

    ``match`` (required)
        ``{header: value}`` pairs that pick exactly one row. Example:
        ``match: {Model: "Claude Opus 4.8"}``. More than one matching row is an error:
        add another pair (``{Model: ..., Context: "≤ 200K"}``).
    ``column`` (required)
        Header of the column to read. Example: ``column: Input``
    ``selector``
        CSS selector for the table (or for an element that contains it). By default
        the first table whose header row names every header used is taken.
        Example: ``selector: "#api-pricing table"``

    Headers and values compare whole cell text, whitespace collapsed, ignoring case. Write
    ``/.../`` for a regular expression searched in the cell instead: ``column: "/^Input/"``.
    ``rowspan`` and ``colspan`` are expanded, so every row has every column.
``regex``
    Keep the first group of this regular expression searched in the cell.
``number``
    ``true`` (default): parse a number as printed (``$1,234.50``, ``80.2%``, ``1.2M``);
    ``false``: keep the cell text.
``scale``
    Multiply the number by this factor. Example: ``scale: 1000``
``convert``
    Multiply by a named factor instead: ``per_token_to_per_million`` (×1e6),
    ``per_thousand_to_per_million`` (×1e3), ``percent_fraction_to_percent`` (×100).

Example::

    check:
      url: https://example.org/pricing
      table: {match: {Model: "Claude Opus 4.8"}, column: "Input"}
      convert: per_token_to_per_million
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from khub.check.extract._shared import (
    Ambiguous,
    Extraction,
    NotFound,
    collapse,
    excerpt_around,
    parse_html,
    refine,
    to_value,
)
from khub.check.http import FetchResult, Kind
from khub.check.spec import TableCheck, is_pattern

KIND: Kind = "html"
_HEADER_ROWS = 10

Row = list[str]


def extract(spec: TableCheck, fetched: FetchResult) -> Extraction:
    """Return the value of the cell the spec addresses in `fetched`."""
    where = spec.table
    names = [*where.match, where.column]
    for number, table in enumerate(_tables(parse_html(fetched), where.selector), 1):
        grid = _grid(table)
        at = _header_row(grid, names)
        if at is not None:
            return _cell(spec, f"table {number}", grid[at], grid[at + 1 :])
    raise NotFound(f"no table has the headers {', '.join(map(repr, names))}")


def _tables(soup: BeautifulSoup, selector: str | None) -> list[Tag]:
    if selector is None:
        return soup.find_all("table")
    found = []
    for node in soup.select(selector):
        found += [node] if node.name == "table" else node.find_all("table")
    return found


def _grid(table: Tag) -> list[Row]:
    """Return the table's text as rows of cells, with row and column spans expanded."""
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    cells: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr.find_all(["td", "th"], recursive=False):
            while (r, c) in cells:
                c += 1
            text, height, width = (
                collapse(cell.get_text(" ")),
                _span(cell, "rowspan", len(rows) - r),
                _span(cell, "colspan", 1000),
            )
            cells.update({(r + dr, c + dc): text for dr in range(height) for dc in range(width)})
            c += width
    columns = max((c for _, c in cells), default=-1) + 1
    return [[cells.get((r, c), "") for c in range(columns)] for r in range(len(rows))]


def _span(cell: Tag, name: str, limit: int) -> int:
    value = cell.get(name)
    text = value if isinstance(value, str) else ""
    return min(max(int(text), 1), limit) if text.strip().isdigit() else 1


def _header_row(grid: list[Row], names: list[str]) -> int | None:
    for at, row in enumerate(grid[:_HEADER_ROWS]):
        if all(_find(row, name) is not None for name in names):
            return at
    return None


def _cell(spec: TableCheck, label: str, header: Row, body: list[Row]) -> Extraction:
    where = spec.table
    match = {_find_required(header, name): str(value) for name, value in where.match.items()}
    column = _find_required(header, where.column)
    condition = " and ".join(f"{name}={value!r}" for name, value in where.match.items())
    rows = [row for row in body if all(_matches(row[i], value) for i, value in match.items())]
    if not rows:
        raise NotFound(f"{label}: no row where {condition}")
    if len({row[column] for row in rows}) > 1:
        raise _ambiguous(
            label, condition, where.column, [(body.index(r) + 1, r[column]) for r in rows]
        )
    kept, _, _ = refine(rows[0][column], spec.regex)
    line = " | ".join(f"{name}: {text}" for name, text in zip(header, rows[0], strict=True) if text)
    context = excerpt_around(line, f"{header[column]}: {rows[0][column]}")
    locator = f"{label}, row where {condition}, column {where.column!r}"
    return Extraction(to_value(kept, spec), context, locator)


def _ambiguous(label: str, condition: str, column: str, cells: list[tuple[int, str]]) -> Ambiguous:
    """Return the error of several rows that match and give different values."""
    shown = ", ".join(f"{text!r} in row {number}" for number, text in cells)
    return Ambiguous(
        f"{label}: {len(cells)} rows where {condition} ({shown}); add a header to 'match'",
        [(f"{label}, row {number}, column {column!r}", text) for number, text in cells],
    )


def _find(row: Row, pattern: str) -> int | None:
    return next((i for i, text in enumerate(row) if _matches(text, pattern)), None)


def _find_required(row: Row, pattern: str) -> int:
    found = _find(row, pattern)
    if found is None:
        raise NotFound(f"no header {pattern!r}")
    return found


def _matches(text: str, pattern: str) -> bool:
    if is_pattern(pattern):
        return re.search(pattern[1:-1], text) is not None
    return text.casefold() == collapse(pattern).casefold()
