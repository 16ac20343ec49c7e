"""Charts drawn from the facts at build time: deterministic, accessible SVG.

Each chart is inlined in its page as <figure><svg role="img"> with a <title> and a <desc>
that say what the chart shows, a caption, and the plotted numbers as a table, so it reads
with JavaScript off and with a screen reader (an <img> would hide the title and desc and
could not carry the table). Bytes depend only on the plotted numbers: a fixed hash salt,
no date, DejaVu Sans (shipped with matplotlib) drawn as paths.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import matplotlib
from markupsafe import Markup
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from khub.calc import display as calcfmt
from khub.calc import export as calculators
from khub.data.model import FactSet
from khub.errors import KhubError

NAMES = ("swe-bench-verified", "cost-vs-volume")
BREAKEVEN = "self-hosting-breakeven"  # the calculator the cost chart plots
VOLUMES = tuple(10 ** (5 + i / 20) for i in range(0, 101))  # tokens per day, 1e5 to 1e10
RC: Any = {  # matplotlib types its rc keys as literals; these are checked at run time
    "svg.hashsalt": "khub",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 10.0,
    "axes.titlesize": 11.0,
    "path.simplify": False,
}
CLOSED, OPEN, INK, MUTED = "#1f4e79", "#c05a00", "#222222", "#555555"


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
        rows.append({"label": fact.label, "score": _number(factset, fact.id), "weights": kind})
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


# --- drawing --------------------------------------------------------------------------


def _figure() -> Figure:
    return Figure(figsize=(7.2, 3.6), dpi=100, layout="constrained")


def draw_swe_bench(data: dict[str, Any]) -> str:
    """Return the SVG of SWE-bench Verified scores, open and closed models told apart."""
    rows = list(reversed(data["rows"]))
    fig = _figure()
    ax = fig.add_subplot()
    labels = [f"{r['label']} ({r['weights']})" for r in rows]
    colours = [OPEN if r["weights"] == "open" else CLOSED for r in rows]
    hatches = ["//" if r["weights"] == "open" else "" for r in rows]
    bars = ax.barh(labels, [r["score"] for r in rows], color=colours, edgecolor=INK)
    for bar, hatch, row in zip(bars, hatches, rows, strict=True):
        bar.set_hatch(hatch)
        ax.annotate(
            f"{calcfmt.trimmed(row['score'], 2)}%",
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            color=INK,
        )
    ax.set_xlim(0, 100)
    ax.set_xlabel("Share of tasks resolved (%)")
    ax.set_title(data["title"], loc="left", color=INK)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def draw_cost(data: dict[str, Any]) -> str:
    """Return the SVG of daily API cost against self-hosting over volume, crossovers marked."""
    volumes, api = VOLUMES, data["api"]
    fig = _figure()
    ax = fig.add_subplot()
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.plot(volumes, api, color=CLOSED, linewidth=2, label="API (linear in volume)")
    ax.axhline(data["gpu"], color=OPEN, linewidth=2, label="Self-hosting, GPU rental")
    lo, hi = data["tco"]
    ax.axhspan(lo, hi, color=OPEN, alpha=0.15, hatch="\\\\", label="Self-hosting, total cost")
    ax.plot([data["breakeven"]], [data["gpu"]], "o", color=INK, label="Crossover in this model")
    for x, y in zip(data["tco_breakeven"], data["tco"], strict=True):
        ax.plot([x], [y], "o", color=INK)
    ax.axvline(
        data["stated_crossover"], color=MUTED, linestyle="--", label="Crossover the source states"
    )
    ax.annotate(
        f"{calcfmt.tokens(data['breakeven'])} tokens/day",
        (data["breakeven"], data["gpu"]),
        xytext=(-8, 10),
        textcoords="offset points",
        ha="right",
        color=INK,
    )
    ax.set_xlabel("Tokens per day")
    ax.set_ylabel("USD per day")
    ax.set_title("Daily cost: API against self-hosting", loc="left", color=INK)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: calcfmt.tokens(v)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: calcfmt.money(v)))
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def _svg(fig: Figure) -> str:
    buffer = io.BytesIO()
    with matplotlib.rc_context(RC):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue().decode("utf-8")


# --- words and tables -----------------------------------------------------------------


def _swe_bench_chart(factset: FactSet) -> Chart:
    data = swe_bench_data(factset)
    with matplotlib.rc_context(RC):
        svg = draw_swe_bench(data)
    best = data["rows"][0]
    open_rows = [r for r in data["rows"] if r["weights"] == "open"]
    words = "; ".join(
        f"{r['label']} ({r['weights']}) {calcfmt.trimmed(r['score'], 2)}%" for r in data["rows"]
    )
    summary = f"Highest: {best['label']}."
    if open_rows:
        summary += f" Best open-weight model: {open_rows[0]['label']}."
    return Chart(
        name="swe-bench-verified",
        title=f"{data['title']}: open against closed models",
        desc=f"Horizontal bar chart. {words}. {summary}",
        caption=(
            f"{data['title']}. Closed models in solid blue, open-weight models hatched orange."
        ),
        svg=svg,
        table_head=("Model", "Weights", "Share resolved"),
        table_rows=tuple(
            (r["label"], r["weights"], f"{calcfmt.trimmed(r['score'], 2)}%") for r in data["rows"]
        ),
    )


def _cost_chart(factset: FactSet) -> Chart:
    data = cost_data(factset)
    with matplotlib.rc_context(RC):
        svg = draw_cost(data)
    lo, hi = data["tco"]
    b_lo, b_hi = data["tco_breakeven"]
    m_lo, m_hi = data["tco_multiplier"]
    desc = (
        f"Log-log line chart of cost per day against tokens per day. The API line rises in "
        f"step with volume at {calcfmt.money(data['price'])} per million tokens. GPU rental is "
        f"flat at {calcfmt.money(data['gpu'])}/day and total self-hosting cost a band from "
        f"{calcfmt.money(lo)} to {calcfmt.money(hi)}/day. The API line crosses GPU rental at "
        f"{calcfmt.tokens(data['breakeven'])} tokens/day and the total-cost band between "
        f"{calcfmt.tokens(b_lo)} and {calcfmt.tokens(b_hi)} tokens/day. A dashed line marks "
        f"the {calcfmt.tokens(data['stated_crossover'])} tokens/day crossover the source states."
    )
    points = [
        ("Reference volume", data["reference"], "reference"),
        ("Crossover in this model, GPU rental", data["breakeven"], "breakeven"),
        ("Crossover the source states", data["stated_crossover"], "stated_crossover"),
        (f"Crossover at {calcfmt.multiplier(m_lo)} total cost", b_lo, "tco_breakeven_low"),
        (f"Crossover at {calcfmt.multiplier(m_hi)} total cost", b_hi, "tco_breakeven_high"),
    ]
    rows = tuple(
        (
            what,
            f"{calcfmt.tokens(v)} tokens/day",
            f"{calcfmt.money(data['api_at'][key])}/day",
            f"{calcfmt.money(data['gpu'])}/day",
            f"{calcfmt.money(lo)}–{calcfmt.money(hi)}/day",
        )
        for what, v, key in points
    )
    return Chart(
        name="cost-vs-volume",
        title="Daily cost of the API against self-hosting, by volume",
        desc=desc,
        caption=(
            "API cost grows with volume; GPU rental does not. Dots mark where the lines cross "
            "in this linear model; the dashed line is the crossover the source states."
        ),
        svg=svg,
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

_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_STYLE = re.compile(r"\s*<style[^>]*>.*?</style>", re.DOTALL)
_ID = re.compile(r'id="([^"]+)"')


def accessible_svg(chart: Chart) -> str:
    """Return the chart's <svg> with ids prefixed by its name, role=img, title and desc."""
    svg = _STYLE.sub("", _METADATA.sub("", _PROLOGUE.sub("", chart.svg, count=1)))
    for old in sorted(set(_ID.findall(svg)), key=len, reverse=True):
        new = f"khub-chart-{chart.name}-{old}"
        svg = svg.replace(f'id="{old}"', f'id="{new}"').replace(f'#{old}"', f'#{new}"')
        svg = svg.replace(f"url(#{old})", f"url(#{new})")
    base = f"khub-chart-{chart.name}"
    head = Markup('<svg role="img" aria-labelledby="{b}-title {b}-desc" focusable="false"').format(
        b=base
    )
    labels = Markup('<title id="{b}-title">{t}</title><desc id="{b}-desc">{d}</desc>').format(
        b=base, t=chart.title, d=chart.desc
    )
    svg = svg.replace("<svg", str(head), 1)
    svg = re.sub(r"(<svg[^>]*>)", lambda m: m.group(1) + str(labels), svg, count=1)
    return "\n".join(line.rstrip() for line in svg.splitlines() if line.strip())


def figure_html(chart: Chart) -> Markup:
    """Return the chart as a <figure>: inline SVG, caption, and its numbers as a table."""
    head = Markup("").join(Markup('<th scope="col">{}</th>').format(h) for h in chart.table_head)
    rows = Markup("").join(
        Markup("<tr>{}</tr>").format(
            Markup('<th scope="row">{}</th>').format(row[0])
            + Markup("").join(Markup("<td>{}</td>").format(c) for c in row[1:])
        )
        for row in chart.table_rows
    )
    return Markup(
        '<figure class="khub-chart" id="khub-chart-{n}">\n{svg}\n<figcaption>{c}</figcaption>\n'
        "<details><summary>The numbers in this chart</summary>"
        "<table><thead><tr>{h}</tr></thead><tbody>{r}</tbody></table></details>\n</figure>"
    ).format(n=chart.name, svg=Markup(accessible_svg(chart)), c=chart.caption, h=head, r=rows)  # noqa: S704


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
