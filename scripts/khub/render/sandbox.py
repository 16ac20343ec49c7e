"""Render module templates in a sandbox: strict names, khub helpers, located errors.

Helpers a module can call (anything else fails with content/FILE.md:LINE):

    {{ fact("series.subject") }}            80.2%, as a link to the fact's page with a tooltip
    {{ fact(id, fmt="label"|"as_of"|"verified"|"status"|"id"|"tier"|"name") }}
    {{ fact(id, decimals=1, cite=True) }}   fixed decimals; add the source's footnote
    {{ fact_pair(input_id, output_id) }}    $5 / $25 per million tokens (one unit, said once)
    {{ cite("source-id") }}                 [^N], numbered per module in order of first use
    {{ series_table("series", columns=["label", "value", "as_of", "verified", "status",
                    "source", "note"], only=["subject", ...], label="Model") }}
    {{ calculator("name") }}, {{ chart("name") }}

Fenced code blocks are literal (their {{ }} are not evaluated); elsewhere use {% raw %}.
Every render runs within the limits of data/hub.yml (khub.render.bounds): CPU time, memory,
page length, value sizes, widths and decimals.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import os
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import (
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.environment import Environment
from jinja2.exceptions import SecurityError
from markupsafe import Markup, escape

from khub.data.model import Fact, FactSet
from khub.data.yamlio import MAX_FILE_BYTES
from khub.disk.paths import path_fault, read_contained
from khub.errors import KhubError, Problem
from khub.render.bounds import BoundedEnvironment, LimitError, Limits, VersionedBytecodeCache
from khub.render.content import CONTENT_DIR, prepare_template
from khub.render.display import format_pair
from khub.render.elements import (
    FORMATS,
    VALUE_FORMATS,
    Freshness,
    fact_element,
    footnote,
    series_index,
    value_text,
)
from khub.render.escape import md_text

TEMPLATES_DIR = "templates"
Helper = Callable[..., str]
COLUMNS = ("label", "value", "as_of", "verified", "status", "source", "note")
DEFAULT_COLUMNS = ("label", "value", "as_of", "status", "source")
HEADERS = {
    "value": "Value",
    "as_of": "As of",
    "verified": "Verified",
    "status": "Status",
    "source": "Source",
    "note": "Note",
}


def output_digest(text: str) -> str:
    """Return the hash of a helper's output, to see later whether it changed."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class TemplateUseError(Exception):
    """A helper was called with something that does not exist or does not fit."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class RenderError(Exception):
    """Rendering one template failed; carries the located problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class Usage:
    """What one page used while rendering: facts, series, cited sources, helper calls."""

    facts: dict[str, None] = field(default_factory=dict)
    series: dict[str, None] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    calls: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Rendered:
    """A rendered module body (footnotes included) and what it used."""

    body: str
    usage: Usage


class HubLoader(FileSystemLoader):
    """Load content/ and templates/; blank front matter and keep code blocks literal.

    Only contained regular files are returned (see khub.disk.paths): a name with '..', a leading
    '/' or a backslash is refused, and so is a file that is a symlink out of the hub's
    source folders, a device, a pipe or a hard link; `{% include %}`, `{% import %}`,
    `{% from %}` and `{% extends %}` all load through here.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folders = (CONTENT_DIR, TEMPLATES_DIR)
        super().__init__([str(root / folder) for folder in self.folders])

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        """Return the prepared source of a template, its file name and an up-to-date check."""
        if path_fault(template) is not None:
            raise TemplateUseError(
                f"template name '{template}' is not allowed",
                "name a file under content/ or templates/ by a relative path without '..', "
                "such as 'partials/note.md'",
            )
        for folder in self.folders:
            rel = f"{folder}/{template}"
            path = self.root / rel
            if not os.path.lexists(path) or (path.is_dir() and not path.is_symlink()):
                continue
            source = read_contained(self.root, rel, MAX_FILE_BYTES).decode("utf-8")
            mtime = path.stat().st_mtime
            return prepare_template(source), str(path), functools.partial(_unchanged, path, mtime)
        raise TemplateNotFound(template)


def _unchanged(path: Path, mtime: float) -> bool:
    try:
        return path.stat().st_mtime == mtime
    except OSError:
        return False


def make_environment(
    root: Path, cache_dir: Path | None, limits: Limits | None = None
) -> BoundedEnvironment:
    """Return the sandboxed, strict, bounded Jinja environment over content/ and templates/."""
    cache = None
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        cache = VersionedBytecodeCache(str(cache_dir))
    env = BoundedEnvironment(
        limits=limits or Limits(),
        loader=HubLoader(root),
        undefined=StrictUndefined,
        autoescape=True,
        keep_trailing_newline=True,
        bytecode_cache=cache,
        auto_reload=False,
    )
    for name in ("lipsum", "cycler", "joiner"):
        env.globals.pop(name, None)
    return env


class Renderer:
    """Render module templates against one fact set."""

    def __init__(
        self,
        root: Path,
        factset: FactSet,
        freshness: Freshness,
        *,
        helpers: Mapping[str, Helper] | None = None,
        cache_dir: Path | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.root = root
        self.factset = factset
        self.freshness = freshness
        self.extra = dict(helpers or {})
        self.by_series = series_index(factset)
        self.limits = limits or Limits()
        self.env = make_environment(root, cache_dir, self.limits)

    def render(self, name: str, page: str) -> Rendered:
        """Render content/<name> as the page at page; raise RenderError with file:line."""
        usage = Usage()
        context = _Helpers(self, page, usage).as_globals()
        try:
            text = self.env.render_bounded(name, context)
        except Exception as exc:
            raise RenderError(self._problem(exc, name, sorted(context))) from None
        return Rendered(self._with_footnotes(text, page, usage), usage)

    def call_helper(self, name: str, args_json: str) -> str:
        """Call a supplied helper again with recorded arguments; return its output."""
        args, kwargs = json.loads(args_json)
        return str(self.extra[name](*args, **kwargs))

    def _with_footnotes(self, text: str, page: str, usage: Usage) -> str:
        body = text.strip("\n")
        if not usage.sources:
            return body + "\n"
        notes = [
            footnote(number, sid, self.factset.sources[sid], page)
            for number, sid in enumerate(usage.sources, start=1)
        ]
        return body + "\n\n" + "\n".join(notes) + "\n"

    def _problem(self, exc: Exception, name: str, known: list[str]) -> Problem:
        path, line = self._locate(exc, name)
        if isinstance(exc, TemplateUseError | LimitError):
            return Problem(path, line, exc.message, exc.hint)
        if isinstance(exc, SecurityError):
            return Problem(path, line, str(exc), "templates may only call khub's helpers")
        if isinstance(exc, UndefinedError):
            return Problem(path, line, *_undefined(str(exc), known))
        if isinstance(exc, TemplateNotFound):
            return Problem(path, line, f"no template '{exc.name}'", "look in templates/")
        if isinstance(exc, TemplateSyntaxError):
            return Problem(path, line, f"template syntax error: {exc.message}", "")
        if isinstance(exc, KhubError):
            return Problem(path, line, str(exc), "")
        if isinstance(exc, TemplateError | TypeError | ValueError):
            return Problem(path, line, f"template error: {exc}", "check the helper's arguments")
        return Problem(path, line, f"{type(exc).__name__}: {exc}", "")

    def _locate(self, exc: Exception, name: str) -> tuple[str, int]:
        if isinstance(exc, TemplateSyntaxError) and exc.filename:
            return self._relative(exc.filename), exc.lineno
        found = (f"{CONTENT_DIR}/{name}", 0)
        search = [self.root / CONTENT_DIR, self.root / TEMPLATES_DIR]
        for frame in traceback.extract_tb(exc.__traceback__):
            where = Path(frame.filename)
            if any(where.is_relative_to(d) for d in search):
                found = (self._relative(frame.filename), frame.lineno or 0)
        return found

    def _relative(self, filename: str) -> str:
        try:
            return Path(filename).relative_to(self.root).as_posix()
        except ValueError:
            return filename


def _undefined(message: str, known: list[str]) -> tuple[str, str]:
    quoted = message.split("'")
    if message.endswith("is undefined") and len(quoted) >= 3:
        name = quoted[1]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"helpers: {', '.join(known)}"
        return f"unknown helper or name '{name}'", hint
    return message, "a name or attribute used here does not exist"


class _Helpers:
    """The helpers one page sees; they record what they use."""

    def __init__(self, renderer: Renderer, page: str, usage: Usage) -> None:
        self.r = renderer
        self.page = page
        self.usage = usage

    def as_globals(self) -> dict[str, Any]:
        helpers: dict[str, Any] = {
            "fact": self.fact,
            "fact_pair": self.fact_pair,
            "cite": self.cite,
            "series_table": self.series_table,
            "calculator": placeholder_calculator,
            "chart": placeholder_chart,
        }
        for name, function in self.r.extra.items():
            helpers[name] = self._recorded(name, function)
        return helpers

    def _recorded(self, name: str, function: Helper) -> Callable[..., Markup]:
        def call(*args: Any, **kwargs: Any) -> Markup:
            out = str(function(*args, **kwargs))
            arguments = json.dumps([args, kwargs], sort_keys=True, default=str)
            self.usage.calls.append((name, arguments, output_digest(out)))
            return Markup(out)  # noqa: S704 - supplied helpers are trusted khub code

        return call

    def _fact(self, fid: str) -> Fact:
        fact = self.r.factset.facts.get(str(fid))
        if fact is None:
            close = difflib.get_close_matches(str(fid), self.r.factset.facts, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else "see `khub facts`"
            raise TemplateUseError(f"unknown fact '{fid}'", hint)
        self.usage.facts[fact.id] = None
        return fact

    def _check_decimals(self, decimals: object) -> None:
        if decimals is not None and (not isinstance(decimals, int) or isinstance(decimals, bool)):
            raise TemplateUseError(
                f"decimals={decimals!r} is not a whole number", "write decimals=2"
            )
        self.r.limits.check_decimals(decimals)

    def _element(self, fact: Fact, text: str, fmt: str = "value") -> str:
        return fact_element(
            fact, text, self.page, self.r.factset, self.r.freshness, labelled=fmt in VALUE_FORMATS
        )

    def fact(
        self, fid: str, fmt: str = "value", decimals: int | None = None, cite: bool = False
    ) -> Markup:
        """Return a fact as a traceable element, optionally followed by its citation."""
        self._check_decimals(decimals)
        fact = self._fact(fid)
        if fmt not in FORMATS:
            raise TemplateUseError(f"unknown fmt '{fmt}'", f"one of {', '.join(FORMATS)}")
        try:
            text = value_text(fact, fmt, decimals)
        except ValueError as exc:
            raise TemplateUseError(
                f"{fact.id}: {exc}", "fmt id/tier/name is for licences"
            ) from None
        out = self._element(fact, text, fmt)
        if cite:
            out += str(self._cite_fact(fact))
        return Markup(out)  # noqa: S704 - every piece is escaped by elements

    def fact_pair(self, first: str, second: str, decimals: int | None = None) -> Markup:
        """Return two facts of one unit with the unit once: $5 / $25 per million tokens."""
        self._check_decimals(decimals)
        one, two = self._fact(first), self._fact(second)
        if one.unit != two.unit:
            hint = f"{one.id} is {one.unit.name}, {two.id} is {two.unit.name}"
            raise TemplateUseError("fact_pair needs two facts of one unit", hint)
        text_one, text_two, suffix = format_pair(one.value, two.value, one.unit.name, decimals)
        out = f"{self._element(one, text_one)} / {self._element(two, text_two)}{md_text(suffix)}"
        return Markup(out)  # noqa: S704 - every piece is escaped by elements

    def _cite_fact(self, fact: Fact) -> str:
        return self.cite(fact.source) if fact.source else ""

    def cite(self, sid: str) -> Markup:
        """Return the footnote reference of a source, numbered in order of first use."""
        sid = str(sid)
        if sid not in self.r.factset.sources:
            close = difflib.get_close_matches(sid, self.r.factset.sources, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else "add it to data/sources.yml"
            raise TemplateUseError(f"unknown source '{sid}'", hint)
        if sid not in self.usage.sources:
            self.usage.sources.append(sid)
        return Markup(f"[^{self.usage.sources.index(sid) + 1}]")  # noqa: S704 - a number

    def series_table(
        self,
        series_id: str,
        columns: Sequence[str] = DEFAULT_COLUMNS,
        only: Sequence[str] | None = None,
        label: str = "Item",
    ) -> Markup:
        """Return a Markdown table of a series: one row per fact, chosen columns."""
        facts = self._series_facts(str(series_id), only)
        unknown = [c for c in columns if c not in COLUMNS]
        if unknown:
            raise TemplateUseError(f"unknown column '{unknown[0]}'", f"one of {', '.join(COLUMNS)}")
        headers = [md_text(str(label)) if c == "label" else HEADERS[c] for c in columns]
        rows = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(columns)]
        for fact in facts:
            self.usage.facts[fact.id] = None
            rows.append("| " + " | ".join(self._cell(fact, c) for c in columns) + " |")
        return Markup("\n".join(rows))  # noqa: S704 - every cell is escaped

    def _series_facts(self, series_id: str, only: Sequence[str] | None) -> list[Fact]:
        if series_id not in self.r.factset.series:
            close = difflib.get_close_matches(series_id, self.r.factset.series, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else "see data/facts/"
            raise TemplateUseError(f"unknown series '{series_id}'", hint)
        self.usage.series[series_id] = None
        facts = self.r.by_series[series_id]
        if only is None:
            return facts
        by_subject = {f.id[len(series_id) + 1 :]: f for f in facts}
        missing = [s for s in only if s not in by_subject]
        if missing:
            raise TemplateUseError(f"unknown fact '{series_id}.{missing[0]}'", "see `khub facts`")
        return [by_subject[s] for s in only]

    def _cell(self, fact: Fact, column: str) -> str:
        if column == "value":
            return self._element(fact, value_text(fact))
        if column == "label":
            return md_text(fact.label)
        if column == "source":
            return str(self._cite_fact(fact))
        if column == "note":
            return md_text(fact.note or "")
        return md_text(value_text(fact, column))


def placeholder_calculator(name: str) -> Markup:
    """Return the placeholder of a calculator, filled by the calculators script."""
    return Markup('<div class="khub-calculator" data-khub-calculator="{}"></div>').format(
        escape(str(name))
    )


def placeholder_chart(name: str) -> Markup:
    """Return the placeholder of a chart."""
    return Markup('<figure class="khub-chart" data-khub-chart="{}"></figure>').format(
        escape(str(name))
    )
