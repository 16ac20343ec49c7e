"""Charts drawn from the facts at build time: deterministic, accessible, hand-written SVG.

Each chart is inlined in its page as <figure><svg role="img"> with a <title> and a <desc>
that say what the chart shows, a caption naming the sources and as-of dates of the facts
drawn, and the plotted numbers as a table, so it reads with JavaScript off and with a
screen reader. The SVG is drawn here, element by element, with every text escaped: its
labels are <text> in the site's font, its colours are classes that khub.css maps to the
theme's custom properties (so it follows the light and dark schemes), and its viewBox is
sized so that the text stays at least 11 px on a 390 px phone. Numbers show with at most
three significant digits, through the page text's own formatter (khub.render.display).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from khub.calc import export as calculators
from khub.data.model import FactSet
from khub.errors import KhubError
from khub.render.display import format_value, human_date

NAMES = ("swe-bench-verified", "cost-vs-volume")
BREAKEVEN = "self-hosting-breakeven"  # the calculator the cost chart plots
VOLUMES = tuple(10 ** (5 + i / 20) for i in range(0, 101))  # tokens per day, 1e5 to 1e10
COST_FACTS = (  # the facts behind the breakeven calculator's defaults and the stated crossover
    "api-blended-price",
    "self-hosting.reference-volume",
    "self-hosting.self-host-cost-per-day",
    "self-hosting.min-gpu-utilisation",
    "self-hosting.tco-multiplier",
    "self-hosting.crossover-volume",
)
WIDTH = 480  # viewBox width: 16-unit text renders at 11.9 px in a 358 px wide column
FONT = 16  # the font size khub.css gives chart text, in viewBox units
SIGNIFICANT = 3


class ChartError(KhubError):
    """A chart that does not exist or cannot be drawn from the facts."""


@dataclass(frozen=True)
class Chart:
    """A drawn chart: its SVG, what it says in words, and its numbers as a table."""

    name: str
    title: str
    desc: str
    caption: str
    svg: str
    table_head: tuple[str, ...]
    table_rows: tuple[tuple[str, ...], ...]


def rounded(value: float, unit: str) -> str:
    """Return a number as the page text shows it, to three significant digits: 358M tokens/day."""
    if value == 0 or not math.isfinite(value):
        return format_value(value, unit)
    places = SIGNIFICANT - 1 - math.floor(math.log10(abs(value)))
    return format_value(round(value, places), unit)


# --- data -----------------------------------------------------------------------------


def _number(factset: FactSet, fid: str) -> float:
    """Return a fact's single number, or raise ChartError."""
    fact = factset.facts.get(fid)
    if fact is None or not isinstance(fact.value, float | int) or isinstance(fact.value, bool):
        raise ChartError(f"charts need '{fid}' to be a fact with a single number")
    return float(fact.value)


def _edges(value: Any) -> list[float]:
    """Return an output as [low, high], a single number as both edges."""
    if isinstance(value, list):
        return [float(v) for v in value]
    return [float(value)] * 2


def swe_bench_data(factset: FactSet) -> dict[str, Any]:
    """Return the SWE-bench Verified scores with each model's weights (open or closed)."""
    rows: list[dict[str, Any]] = []
    for fact in factset.series_facts("swe-bench-verified"):
        subject = fact.id.split(".", 1)[1]
        weights = factset.facts.get(f"model-weights.{subject}")
        kind = str(weights.value) if weights is not None else "unknown"
        score = _number(factset, fact.id)
        text = format_value(score, fact.unit.name, fact.decimals)  # as the page text shows it
        rows.append(
            {"id": fact.id, "label": fact.label, "score": score, "weights": kind, "text": text}
        )
    if not rows:
        raise ChartError("chart 'swe-bench-verified' needs facts in the series swe-bench-verified")
    rows.sort(key=lambda r: (-r["score"], r["label"]))
    return {"title": factset.series["swe-bench-verified"].title, "rows": rows}


def cost_data(factset: FactSet) -> dict[str, Any]:
    """Return the numbers of the cost-over-volume chart, asked of the breakeven calculator."""
    try:
        data = calculators.export(factset)
        base = calculators.compute(data, BREAKEVEN, {})
        if not base["ok"]:
            raise ChartError(f"its defaults do not compute: {base['errors']}")
        values, outputs = base["values"], base["outputs"]
        breakeven, tco_breakeven = (
            outputs["breakeven_tokens_per_day"],
            _edges(outputs["tco_breakeven_tokens_per_day"]),
        )
        crossover = _number(factset, "self-hosting.crossover-volume")
        points = {
            "reference": values["tokens_per_day"],
            "breakeven": breakeven,
            "stated_crossover": crossover,
            "tco_breakeven_low": tco_breakeven[0],
            "tco_breakeven_high": tco_breakeven[1],
        }
        api = [api_cost(data, v) for v in VOLUMES]
        api_at = {key: api_cost(data, v) for key, v in points.items()}
    except KhubError as exc:
        raise ChartError(
            f"chart 'cost-vs-volume' needs the calculator '{BREAKEVEN}': {exc}"
        ) from exc
    return {
        "price": values["price_per_mtok"],
        "gpu": outputs["self_host_cost_per_day"],
        "tco": _edges(outputs["tco_cost_per_day"]),
        "tco_multiplier": _edges(values["tco_multiplier"]),
        "reference": values["tokens_per_day"],
        "stated_crossover": crossover,
        "breakeven": breakeven,
        "tco_breakeven": tco_breakeven,
        "api": api,
        "api_at": api_at,
    }


def api_cost(data: dict[str, Any], tokens_per_day: float) -> float:
    """Return the breakeven calculator's API cost per day at a volume, its defaults otherwise."""
    cost = calculators.output(data, BREAKEVEN, "api_cost_per_day", tokens_per_day=tokens_per_day)
    return _edges(cost)[0]


# --- SVG elements ---------------------------------------------------------------------


def _n(value: float) -> str:
    """Return a coordinate with one decimal at most: 12, 12.5."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _el(tag: str, cls: str, content: str = "", **attrs: float | str) -> Markup:
    """Return one SVG element with a class, escaped attributes and escaped or built content."""
    parts = Markup("").join(
        Markup(' {}="{}"').format(k.replace("_", "-"), _n(v) if isinstance(v, float | int) else v)
        for k, v in attrs.items()
    )
    head = Markup('<{t} class="khub-chart__{c}"{a}').format(t=tag, c=cls, a=parts)
    if not content:
        return head + Markup("/>")
    return head + Markup(">{}</{}>").format(content, tag)


def _text(cls: str, x: float, y: float, words: str) -> Markup:
    """Return a <text> label; its class sets its anchor and colour in khub.css."""
    return _el("text", f"text {cls}".strip().replace(" ", " khub-chart__"), words, x=x, y=y)


def _svg(name: str, title: str, desc: str, height: float, body: Iterable[Markup]) -> str:
    """Return a whole <svg>: viewBox only (khub.css sizes it), role=img, title and desc."""
    base = f"khub-chart-{name}"
    return str(
        Markup(
            '<svg viewBox="0 0 {w} {h}" class="khub-chart__svg" role="img" '
            'aria-labelledby="{b}-title {b}-desc" focusable="false">'
            '<title id="{b}-title">{t}</title><desc id="{b}-desc">{d}</desc>\n{body}\n</svg>'
        ).format(w=WIDTH, h=_n(height), b=base, t=title, d=desc, body=Markup("\n").join(body))
    )


# --- drawing --------------------------------------------------------------------------

ROW = 58  # height of one bar's row: its label above, the bar below
BAR = 22
SCALE = WIDTH - 64  # the width of 100% in the bar chart, room left for the value


def draw_swe_bench(data: dict[str, Any], title: str, desc: str) -> str:
    """Return the SVG of SWE-bench Verified scores, each bar labelled with model and weights."""
    rows, body = data["rows"], []
    bottom = ROW * len(rows) + 4
    for tick in (0, 50, 100):
        x = 1 + SCALE * tick / 100
        body.append(_el("line", "grid", x1=x, y1=0, x2=x, y2=bottom))
        body.append(_text("tick" if tick else "tick-start", x, bottom + FONT + 6, f"{tick}%"))
    for i, row in enumerate(rows):
        top = ROW * i
        width = SCALE * row["score"] / 100
        body.append(_text("", 1, top + FONT, f"{row['label']} ({row['weights']})"))
        kind = "open" if row["weights"] == "open" else "closed"
        body.append(
            _el("rect", f"bar khub-chart__{kind}", x=1, y=top + 24, width=width, height=BAR)
        )
        body.append(_text("", width + 7, top + 24 + BAR - 5, row["text"]))
    return _svg("swe-bench-verified", title, desc, bottom + FONT + 12, body)


PLOT = (76.0, 12.0, WIDTH - 24.0, 232.0)  # left, top, right, bottom of the cost plot
LEGEND_TOP = 306


@dataclass(frozen=True)
class _LogAxes:
    """Map volumes and costs on log scales to the plot's coordinates."""

    x_decades: tuple[int, int]
    y_decades: tuple[int, int]

    def x(self, volume: float) -> float:
        """Return the x of a volume."""
        low, high = self.x_decades
        left, _, right, _ = PLOT
        return left + (math.log10(volume) - low) / (high - low) * (right - left)

    def y(self, cost: float) -> float:
        """Return the y of a cost."""
        low, high = self.y_decades
        _, top, _, bottom = PLOT
        return bottom - (math.log10(cost) - low) / (high - low) * (bottom - top)


def _cost_axes(axes: _LogAxes) -> list[Markup]:
    """Return the cost plot's grid, ticks and axis labels."""
    left, _, right, bottom = PLOT
    body: list[Markup] = []
    low, high = axes.y_decades
    step = 1 if high - low <= 4 else 2
    for power in range(high, low - 1, -step):
        y = axes.y(10.0**power)
        body.append(_el("line", "grid", x1=left, y1=y, x2=right, y2=y))
        body.append(_text("tick-end", left - 6, y + 5, rounded(10.0**power, "usd")))
    for power in range(axes.x_decades[0] + 1, axes.x_decades[1] + 1):
        x = axes.x(10.0**power)
        body.append(_el("line", "axis", x1=x, y1=bottom, x2=x, y2=bottom + 5))
        text, _ = _volume_parts(10.0**power)
        body.append(_text("tick", x, bottom + FONT + 6, text))
    body.append(_el("line", "axis", x1=left, y1=bottom, x2=right, y2=bottom))
    body.append(_text("tick", (left + right) / 2, bottom + 2 * FONT + 14, "Tokens per day"))
    return body


def _volume_parts(volume: float) -> tuple[str, str]:
    """Return a volume's number and its unit suffix apart: ("358M", " tokens/day")."""
    text = rounded(volume, "tokens_per_day")
    return text.removesuffix(" tokens/day"), " tokens/day"


def _legend(entries: Sequence[tuple[Markup, str]]) -> list[Markup]:
    """Return legend rows below the plot: a swatch, then its words."""
    body: list[Markup] = []
    for i, (swatch, words) in enumerate(entries):
        y = LEGEND_TOP + 26 * i
        body.append(Markup('<g transform="translate(0 {})">{}</g>').format(_n(y - 5), swatch))
        body.append(_text("", 38, y, words))
    return body


def draw_cost(data: dict[str, Any], title: str, desc: str) -> str:
    """Return the SVG of daily API cost against self-hosting over volume, crossovers marked."""
    lo, hi = data["tco"]
    costs = [*data["api"], data["gpu"], lo, hi]
    axes = _LogAxes(
        (round(math.log10(VOLUMES[0])), round(math.log10(VOLUMES[-1]))),
        (math.floor(math.log10(min(costs))), math.ceil(math.log10(max(costs)))),
    )
    left, top, right, bottom = PLOT
    body = _cost_axes(axes)
    body.append(
        _el(
            "rect", "band", x=left, y=axes.y(hi), width=right - left, height=axes.y(lo) - axes.y(hi)
        )
    )
    gpu_y = axes.y(data["gpu"])
    body.append(_el("line", "self", x1=left, y1=gpu_y, x2=right, y2=gpu_y))
    stated = axes.x(data["stated_crossover"])
    body.append(_el("line", "stated", x1=stated, y1=top, x2=stated, y2=bottom))
    points = " ".join(
        f"{_n(axes.x(v))},{_n(axes.y(c))}" for v, c in zip(VOLUMES, data["api"], strict=True)
    )
    body.append(_el("polyline", "api", points=points))
    dots = [(data["breakeven"], data["gpu"]), *zip(data["tco_breakeven"], data["tco"], strict=True)]
    body.extend(_el("circle", "dot", cx=axes.x(v), cy=axes.y(c), r=5) for v, c in dots)
    cross_x = axes.x(data["breakeven"])
    body.append(
        _text("tick-end", cross_x - 4, axes.y(hi) - 8, rounded(data["breakeven"], "tokens_per_day"))
    )
    stated_text = rounded(data["stated_crossover"], "tokens_per_day")
    body += _legend(
        [
            (_el("line", "api", x1=0, y1=0, x2=28, y2=0), "API, in step with volume"),
            (_el("line", "self", x1=0, y1=0, x2=28, y2=0), "Self-hosting, GPU rental"),
            (_el("rect", "band", x=0, y=-8, width=28, height=16), "Self-hosting, total cost"),
            (_el("circle", "dot", cx=14, cy=0, r=5), "Where API and self-hosting cross"),
            (_el("line", "stated", x1=14, y1=-9, x2=14, y2=9), f"Stated crossover, {stated_text}"),
        ]
    )
    return _svg("cost-vs-volume", title, desc, LEGEND_TOP + 26 * 4 + 10, body)


# --- sources --------------------------------------------------------------------------


def _sourced(factset: FactSet, fid: str) -> list[tuple[str, str]]:
    """Return (source title, as-of date) of a fact, through a derived fact's inputs."""
    fact = factset.facts.get(fid)
    if fact is None:
        return []
    if fact.source is None:
        return [pair for inner in fact.inputs for pair in _sourced(factset, inner)]
    source = factset.sources.get(fact.source)
    return [(source.title if source else fact.source, human_date(fact.as_of))]


def sources_text(factset: FactSet, fids: Iterable[str]) -> str:
    """Return 'Source: T, as of D.' naming every source and as-of date of the facts drawn."""
    dates: dict[str, set[str]] = {}
    for fid in fids:
        for title, as_of in _sourced(factset, fid):
            dates.setdefault(title, set()).add(as_of)
    if not dates:
        return "Source: derived from the hub's own figures."
    parts = [f"{t}, as of {' and '.join(_by_date(d))}" for t, d in sorted(dates.items())]
    label = "Source" if len(parts) == 1 else "Sources"
    return f"{label}: {'; '.join(parts)}."


def _by_date(days: set[str]) -> list[str]:
    """Return human dates ('30 June 2026') oldest first."""
    return sorted(days, key=lambda day: dt.datetime.strptime(day, "%d %B %Y").date())


# --- a fact's values over time --------------------------------------------------------

HISTORY_PLOT = (64.0, 30.0, WIDTH - 40.0, 150.0)  # left, top, right, bottom of the value plot


@dataclass(frozen=True)
class Point:
    """One value of a fact over time: from when, the number, and the text the page shows."""

    start: dt.date
    value: float
    text: str


def draw_history(name: str, points: Sequence[Point], title: str, desc: str) -> str:
    """Return the SVG of a fact's values over time: a line through each value, labelled.

    Time runs left to right (oldest first), spaced by date; each point carries its value
    as text, and the first and last dates sit under the axis.
    """
    left, top, right, bottom = HISTORY_PLOT
    first, last = points[0].start, points[-1].start
    span = max((last - first).days, 1)
    low = min(p.value for p in points)
    high = max(p.value for p in points)
    pad = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    low, high = low - pad, high + pad

    def x(day: dt.date) -> float:
        return left + (day - first).days / span * (right - left)

    def y(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    body: list[Markup] = [
        _el("line", "axis", x1=left, y1=bottom, x2=right, y2=bottom),
        _el(
            "polyline", "api", points=" ".join(f"{_n(x(p.start))},{_n(y(p.value))}" for p in points)
        ),
    ]
    for i, point in enumerate(points):
        px, py = x(point.start), y(point.value)
        body.append(_el("circle", "dot", cx=px, cy=py, r=5))
        anchor = (
            "tick-start"
            if i == 0 and len(points) > 1
            else "tick-end"
            if i == len(points) - 1
            else "tick"
        )
        body.append(_text(anchor, px, py - 12, point.text))
    for day, anchor in ((first, "tick-start"), (last, "tick-end")):
        if day == last and day == first and anchor == "tick-end":
            continue
        body.append(_text(anchor, x(day), bottom + FONT + 8, _month(day)))
    return _svg(name, title, desc, bottom + FONT + 16, body)


def _month(day: dt.date) -> str:
    return day.strftime("%b %Y")


def history_chart(name: str, label: str, points: Sequence[Point], caption: str) -> Chart:
    """Return the chart of one fact's values over time; its data table is the page's own."""
    words = "; ".join(f"{human_date(p.start)}: {p.text}" for p in points)
    title = f"{label}: values over time"
    desc = f"Line chart of {len(points)} values, oldest first. {words}."
    return Chart(
        name=name,
        title=title,
        desc=desc,
        caption=caption,
        svg=draw_history(name, points, title, desc),
        table_head=(),
        table_rows=(),
    )


# --- words and tables -----------------------------------------------------------------


def _swe_bench_chart(factset: FactSet) -> Chart:
    data = swe_bench_data(factset)
    best = data["rows"][0]
    open_rows = [r for r in data["rows"] if r["weights"] == "open"]
    words = "; ".join(f"{r['label']} ({r['weights']}) {r['text']}" for r in data["rows"])
    summary = f"Highest: {best['label']}."
    if open_rows:
        summary += f" Best open-weight model: {open_rows[0]['label']}."
    title = f"{data['title']}: open against closed models"
    desc = f"Horizontal bar chart. {words}. {summary}"
    fids = [i for r in data["rows"] for i in (r["id"], f"model-weights.{r['id'].split('.', 1)[1]}")]
    return Chart(
        name="swe-bench-verified",
        title=title,
        desc=desc,
        caption=(
            f"{data['title']}. Closed models in solid colour, open-weight models in a second "
            f"colour; each label names its weights. {sources_text(factset, fids)}"
        ),
        svg=draw_swe_bench(data, title, desc),
        table_head=("Model", "Weights", "Share resolved"),
        table_rows=tuple((r["label"], r["weights"], r["text"]) for r in data["rows"]),
    )


def _usd(value: float) -> str:
    return rounded(value, "usd")


def _vol(value: float) -> str:
    return rounded(value, "tokens_per_day")


def _cost_chart(factset: FactSet) -> Chart:
    data = cost_data(factset)
    lo, hi = data["tco"]
    b_lo, b_hi = data["tco_breakeven"]
    m_lo, m_hi = data["tco_multiplier"]
    desc = (
        f"Log-log line chart of cost per day against tokens per day. The API line rises in "
        f"step with volume at {rounded(data['price'], 'usd_per_mtok')}. GPU rental is "
        f"flat at {rounded(data['gpu'], 'usd_per_day')} and total self-hosting cost a band "
        f"from {_usd(lo)} to {rounded(hi, 'usd_per_day')}. The API line crosses GPU rental at "
        f"{_vol(data['breakeven'])} and the total-cost band between "
        f"{_volume_parts(b_lo)[0]} and {_vol(b_hi)}. A dashed line marks "
        f"the {_vol(data['stated_crossover'])} crossover the source states."
    )
    points = [
        ("Reference volume", data["reference"], "reference"),
        ("Crossover in this model, GPU rental", data["breakeven"], "breakeven"),
        ("Crossover the source states", data["stated_crossover"], "stated_crossover"),
        (f"Crossover at {rounded(m_lo, 'multiplier')} total cost", b_lo, "tco_breakeven_low"),
        (f"Crossover at {rounded(m_hi, 'multiplier')} total cost", b_hi, "tco_breakeven_high"),
    ]
    rows = tuple(
        (
            what,
            _vol(v),
            rounded(data["api_at"][key], "usd_per_day"),
            rounded(data["gpu"], "usd_per_day"),
            f"{_usd(lo)}–{rounded(hi, 'usd_per_day')}",
        )
        for what, v, key in points
    )
    title = "Daily cost of the API against self-hosting, by volume"
    return Chart(
        name="cost-vs-volume",
        title=title,
        desc=desc,
        caption=(
            "API cost grows with volume; GPU rental does not. Dots mark where the lines cross "
            "in this linear model; the dashed line is the crossover the source states. "
            + sources_text(factset, COST_FACTS)
        ),
        svg=draw_cost(data, title, desc),
        table_head=("Point", "Volume", "API", "GPU rental", "Total self-hosting cost"),
        table_rows=rows,
    )


_BUILDERS: dict[str, Callable[[FactSet], Chart]] = {
    "swe-bench-verified": _swe_bench_chart,
    "cost-vs-volume": _cost_chart,
}
_CACHE: dict[str, tuple[str, Chart]] = {}  # name -> (data key, chart): the latest only


def build_chart(factset: FactSet, name: str) -> Chart:
    """Return a drawn chart; unknown names raise ChartError naming the known ones."""
    if name not in _BUILDERS:
        raise ChartError(f"unknown chart '{name}' (use one of: {', '.join(NAMES)})")
    key = _data_key(factset, name)
    cached = _CACHE.get(name)
    if cached is None or cached[0] != key:
        cached = _CACHE[name] = (key, _BUILDERS[name](factset))
    return cached[1]


def _data_key(factset: FactSet, name: str) -> str:
    data = swe_bench_data(factset) if name == "swe-bench-verified" else cost_data(factset)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


# --- SVG for pages and files ----------------------------------------------------------


def accessible_svg(chart: Chart) -> str:
    """Return the chart's <svg>: ids prefixed by its name, role=img, title and desc."""
    return chart.svg


def figure_html(chart: Chart) -> Markup:
    """Return the chart as a <figure>: inline SVG, caption, and its numbers as a table.

    The drawing and the table stay out of the search index (`data-search-exclude`, read by
    Material's search plugin): their text run together made poor search hits. A chart
    without table rows (a fact's history, whose table is on the page) gets no table.
    """
    svg = Markup(accessible_svg(chart).replace("<svg ", "<svg data-search-exclude ", 1))  # noqa: S704
    table = Markup("")
    if chart.table_rows:
        head = Markup("").join(
            Markup('<th scope="col">{}</th>').format(h) for h in chart.table_head
        )
        rows = Markup("").join(
            Markup("<tr>{}</tr>").format(
                Markup('<th scope="row">{}</th>').format(row[0])
                + Markup("").join(Markup("<td>{}</td>").format(c) for c in row[1:])
            )
            for row in chart.table_rows
        )
        table = Markup(
            "<details data-search-exclude><summary>The numbers in this chart</summary>"
            "<table><thead><tr>{h}</tr></thead><tbody>{r}</tbody></table></details>\n"
        ).format(h=head, r=rows)
    return Markup(
        '<figure class="khub-chart" id="khub-chart-{n}">\n{svg}\n<figcaption>{c}</figcaption>\n'
        "{t}</figure>"
    ).format(n=chart.name, svg=svg, c=chart.caption, t=table)


def chart_helper(factset: FactSet) -> Callable[[str], Markup]:
    """Return the Jinja helper chart(name) for one fact set."""

    def chart(name: str) -> Markup:
        """Return a chart as an accessible inline figure."""
        return figure_html(build_chart(factset, str(name)))

    return chart


def extra_files(factset: FactSet) -> dict[str, bytes]:
    """Return each chart the facts allow as an SVG file: {"assets/charts/<name>.svg": bytes}."""
    files: dict[str, bytes] = {}
    for name in NAMES:
        try:
            chart = build_chart(factset, name)
        except KhubError:  # this hub lacks the chart's facts; chart(name) reports it on use
            continue
        svg = accessible_svg(chart)
        svg = (
            svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
            if "xmlns=" not in svg
            else svg
        )
        files[f"assets/charts/{name}.svg"] = (
            '<?xml version="1.0" encoding="utf-8"?>\n' + svg + "\n"
        ).encode("utf-8")
    return files
