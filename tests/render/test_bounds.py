"""A module's render is bounded: CPU time, memory, page length, value sizes, widths, decimals.

Each hostile template fails `khub generate` with content/FILE.md:LINE naming the limit, fast,
without a traceback, and leaves build/docs/ as it was.
"""

from __future__ import annotations

import resource
import signal
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from khub.calc.form import calculator_helper
from khub.cli.main import main
from khub.data.load import load
from khub.render.bounds import Limits
from khub.render.charts import chart_helper
from khub.render.content import read_modules
from khub.render.elements import Freshness
from khub.render.sandbox import Renderer, RenderError
from tests.kit.hubs import TODAY, copy_hub, write_module
from tests.kit.paths import REPO
from tests.kit.tree import snapshot

HINT = "raise the limit in data/hub.yml"
SIZE_HINT = f"(make it shorter or {HINT})"
WIDTH_HINT = f"(use a smaller number or {HINT})"
LOOPS = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
SETTINGS = "title: Limits hub\nrender_seconds: 1\n"


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return the small hub with one harmless module x, already generated once."""
    root = copy_hub(tmp_path / "hub")
    for path in (root / "content").glob("*.md"):
        path.unlink()
    (root / "data" / "hub.yml").write_text(SETTINGS, encoding="utf-8")
    write_module(root, "x", "The score is {{ fact('bench-score.model-a') }}.\n")
    monkeypatch.chdir(root)
    assert khub_generate().exit_code == 0
    return root


def khub_generate() -> Result:
    """Run `khub generate` in the current folder."""
    return CliRunner().invoke(main, ["generate", "--today", TODAY.isoformat()])


def fails(hub: Path, body: str, *, within: float = 10.0) -> str:
    """Write body as module x, run generate; return its one error line once all checks hold."""
    before = snapshot(hub / "build" / "docs")
    write_module(hub, "x", body)
    start = time.monotonic()
    result = khub_generate()
    elapsed = time.monotonic() - start
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert elapsed < within, f"the limit took {elapsed:.1f} s to fire"
    assert snapshot(hub / "build" / "docs") == before
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- the cases of issue 9 ----------------------------------------------------------------


def test_nested_loops_hit_the_cpu_limit(hub: Path) -> None:
    assert fails(hub, f"Intro.\n{LOOPS}\n") == (
        "content/x.md:7: render took longer than render_seconds = 1 "
        "(simplify the template or raise the limit in data/hub.yml)"
    )


def test_a_tower_of_powers_is_refused_before_it_runs(hub: Path) -> None:
    assert fails(hub, "{{ 9 ** (9 ** 9) }}\n", within=5) == (
        "content/x.md:6: '**' would make a number of 369693100 digits, more than 4300 "
        "(no page can show such a number: Python prints at most 4300 digits)"
    )


def test_repeating_a_string_ten_billion_times_is_refused(hub: Path) -> None:
    assert fails(hub, "{{ 'x' * 10 ** 10 }}\n", within=5) == (
        "content/x.md:6: '*' would make a value of 10000000000 characters, "
        f"more than render_max_chars = 2000000 {SIZE_HINT}"
    )


def test_a_hundred_million_decimals_are_refused(hub: Path) -> None:
    body = "A\nB {{ fact('bench-score.model-a', decimals=100000000) }}\n"
    assert fails(hub, body, within=5) == (
        "content/x.md:7: decimals=100000000 is more than render_max_decimals = 12 "
        f"(show fewer decimals or {HINT})"
    )


def test_decimals_given_as_text_are_refused(hub: Path) -> None:
    body = "{{ fact_pair('bench-score.model-a', 'bench-score.model-b', decimals='100000000') }}\n"
    assert fails(hub, body, within=5) == (
        "content/x.md:6: decimals='100000000' is not a whole number (write decimals=2)"
    )


def test_a_page_longer_than_the_limit_stops_while_streaming(hub: Path) -> None:
    body = "{% for i in range(3000) %}\n{{ 'x' * 1000 }}\n{% endfor %}\n"
    assert fails(hub, body, within=5) == (
        "content/x.md:7: page is longer than render_max_chars = 2000000 characters "
        f"(shorten the page or {HINT})"
    )


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux's /proc")
def test_a_render_that_fills_memory_hits_the_memory_limit(hub: Path) -> None:
    (hub / "data" / "hub.yml").write_text(SETTINGS + "render_memory_mb: 64\n", encoding="utf-8")
    copies = ", ".join(["b[1:]"] * 200)  # 200 copies of 2 MB: 400 MB, more than 64 MB
    body = f"{{% set b = 'x' * 2000000 %}}\n{{% set l = [{copies}] %}}{{{{ l|length }}}}\n"
    assert fails(hub, body) == (
        "content/x.md:7: render needed more memory than render_memory_mb = 64 "
        "(simplify the template or raise the limit in data/hub.yml)"
    )


# --- filters, string methods and formats that size their output --------------------------

WIDE = 1000000000
WIDTH_CASES = [
    ("{{ 'x'|center(N) }}", "filter 'center' width"),
    ("{{ 'a\\nb'|indent(N) }}", "filter 'indent' width"),
    ("{{ 'a b'|wordwrap(N) }}", "filter 'wordwrap' width"),
    ("{{ 'a b'|truncate(N) }}", "filter 'truncate' length"),
    ("{{ [1]|batch(N, 0)|list }}", "filter 'batch' linecount"),
    ("{{ [1]|slice(N)|list }}", "filter 'slice' slices"),
    ("{{ [1]|tojson(indent=N) }}", "filter 'tojson' indent"),
    ("{{ '%*d'|format(N, 1) }}", "format width or precision"),
    ("{{ '%.Nf' % 1.5 }}", "'%' width or precision"),
    ("{{ 'x'.center(N) }}", "center() width"),
    ("{{ 'x'.ljust(N) }}", "ljust() width"),
    ("{{ 'x'.rjust(N) }}", "rjust() width"),
    ("{{ 'x'.zfill(N) }}", "zfill() width"),
    ("{{ 'a\\tb'.expandtabs(N) }}", "expandtabs() width"),
    ("{{ '{:>N}'.format(1) }}", "format() width or precision"),
    ("{{ '{:.Nf}'.format(1.5) }}", "format() width or precision"),
    ("{{ '{:{}}'.format(1, N) }}", "format() width or precision"),
    ("{{ '{x:>N}'.format_map({'x': 1}) }}", "format() width or precision"),
]


@pytest.mark.parametrize(("body", "what"), WIDTH_CASES, ids=[w for _, w in WIDTH_CASES])
def test_widths_past_the_limit_are_refused(hub: Path, body: str, what: str) -> None:
    assert fails(hub, body.replace("N", str(WIDE)) + "\n", within=5) == (
        f"content/x.md:6: {what} = {WIDE} is more than render_max_width = 1000 {WIDTH_HINT}"
    )


BIG = "('x' * 1000000)"
SIZE_CASES = [
    (f"{{{{ range(100000)|join({BIG}) }}}}", "join would make a value"),
    (f"{{{{ {BIG}.join(range(3000)|map('string')) }}}}", "join() would make a value"),
    (f"{{{{ {BIG}|replace('x', 'yyyy') }}}}", "replace would make a value"),
    (f"{{{{ {BIG}.replace('x', 'yyyy') }}}}", "replace() would make a value"),
    (f"{{{{ {BIG}|wordwrap(1, wrapstring='ab') }}}}", "wordwrap would make a value"),
    ("{{ ('ab\\n' * 600000)|indent('xxxx') }}", "indent would make a value"),
    (f"{{{{ '%s%s%s' % ({BIG}, {BIG}, {BIG}) }}}}", "'%' would make a value"),
    (f"{{{{ '{{}}{{}}{{}}'.format({BIG}, {BIG}, {BIG}) }}}}", "format() would make a value"),
    (f"{{{{ [{BIG}] * 3 }}}}", "'*' would make a value"),
    (f"{{{{ {BIG} + {BIG} + 'y' }}}}", "'+' would make a value"),
    (
        "{% set ns = namespace(s='') %}{% for i in range(3) %}"
        f"{{% set ns.s = ns.s ~ {BIG} %}}{{% endfor %}}",
        "namespace attribute 's' would hold a value",
    ),
]


@pytest.mark.parametrize(("body", "what"), SIZE_CASES, ids=[what for _, what in SIZE_CASES])
def test_values_past_the_limit_are_refused(hub: Path, body: str, what: str) -> None:
    message = fails(hub, body + "\n", within=10)
    assert message.startswith(f"content/x.md:6: {what} of ")
    assert message.endswith(f" characters, more than render_max_chars = 2000000 {SIZE_HINT}")
    assert int(message.removeprefix(f"content/x.md:6: {what} of ").split()[0]) > 2000000


def test_jinja_has_no_shift_operator(hub: Path) -> None:
    assert fails(hub, "{{ 1 << 100000000 }}\n", within=5).startswith(
        "content/x.md:6: template syntax error: unexpected '<'"
    )


# --- what the limits leave alone, and what they leave behind ----------------------------


def test_ordinary_templates_render_as_before(hub: Path) -> None:
    body = (
        "{{ 'ab'|center(6) }}|{{ '%.2f' % 1.5 }}|{{ '{:>4}'.format(7) }}"
        "|{{ [1, 2, 3]|batch(2)|list }}|{{ 2 ** 10 }}|{{ 'x' * 3 }}|{{ [1] + [2] }}"
        "|{{ 'a-b'|replace('-', '+') }}|{{ '%(n)s'|format(n=5) }}|{{ 'x'.zfill(3) }}"
        "|{{ fact('bench-score.model-a', decimals=2) }}\n"
    )
    write_module(hub, "x", body)
    result = khub_generate()
    assert result.exit_code == 0, result.output
    page = (hub / "build" / "docs" / "x.md").read_text(encoding="utf-8")
    assert "  ab  |1.50|   7|[[1, 2], [3]]|1024|xxx|[1, 2]|a+b|5|00x|[88.60%]" in page


def test_a_lowered_limit_checks_a_page_again(hub: Path) -> None:
    write_module(hub, "x", "{{ 'x' * 15000 }}\n")
    assert khub_generate().exit_code == 0
    settings = SETTINGS + "render_max_chars: 10000\n"
    (hub / "data" / "hub.yml").write_text(settings, encoding="utf-8")
    result = khub_generate()
    assert result.exit_code == 1
    assert result.stderr == (
        "content/x.md:6: '*' would make a value of 15000 characters, "
        f"more than render_max_chars = 10000 {SIZE_HINT}\n"
    )


def test_limits_are_validated_like_other_settings(hub: Path) -> None:
    before = snapshot(hub / "build" / "docs")
    (hub / "data" / "hub.yml").write_text("title: T\nrender_seconds: 0\n", encoding="utf-8")
    result = khub_generate()
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "data/hub.yml:2: render_seconds: Input should be greater than 0 (keys: title, "
    )
    assert "Traceback" not in result.output
    assert snapshot(hub / "build" / "docs") == before


def _renderer(hub: Path, limits: Limits) -> Renderer:
    factset, _ = load(hub, today=TODAY, cache=False)
    return Renderer(hub, factset, Freshness(TODAY, 120), limits=limits)


def _process_state() -> tuple[object, ...]:
    return (
        signal.getsignal(signal.SIGPROF),
        signal.getitimer(signal.ITIMER_PROF),
        resource.getrlimit(resource.RLIMIT_AS),
        sys.gettrace(),
    )


def test_a_render_restores_the_timer_signal_and_memory_limit(hub: Path) -> None:
    renderer = _renderer(hub, Limits(seconds=0.5))
    before = _process_state()
    renderer.render("x.md", "x.md")
    assert _process_state() == before
    write_module(hub, "y", LOOPS + "\n")
    with pytest.raises(RenderError):
        renderer.render("y.md", "y.md")
    assert _process_state() == before


def test_a_helper_that_swallows_the_timeout_cannot_keep_the_render_going(hub: Path) -> None:
    def stubborn() -> str:
        try:
            sum(range(200000))
        except Exception:  # this helper swallows everything, the timeout included
            return "swallowed"
        return ""

    factset, _ = load(hub, today=TODAY, cache=False)
    renderer = Renderer(
        hub, factset, Freshness(TODAY, 120), helpers={"stubborn": stubborn}, limits=Limits(0.5)
    )
    write_module(hub, "x", "{% for i in range(100000) %}{{ stubborn() }}{% endfor %}\n")
    start = time.monotonic()
    with pytest.raises(RenderError) as info:
        renderer.render("x.md", "x.md")
    assert time.monotonic() - start < 15
    assert str(info.value.problem) == (
        "content/x.md:6: render took longer than render_seconds = 0.5 "
        "(simplify the template or raise the limit in data/hub.yml)"
    )


def test_a_render_off_the_main_thread_is_bounded_too(hub: Path) -> None:
    write_module(hub, "x", "A\n" + LOOPS + "\n")
    renderer = _renderer(hub, Limits(seconds=0.5))
    errors: list[str] = []

    def render() -> None:
        try:
            renderer.render("x.md", "x.md")
        except RenderError as exc:
            errors.append(str(exc.problem))

    worker = threading.Thread(target=render)
    start = time.monotonic()
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert time.monotonic() - start < 15
    assert errors == [
        "content/x.md:7: render took longer than render_seconds = 0.5 "
        "(simplify the template or raise the limit in data/hub.yml)"
    ]


def test_the_real_modules_render_well_within_the_defaults() -> None:
    factset, _ = load(REPO, today=TODAY)
    helpers = {"calculator": calculator_helper(factset), "chart": chart_helper(factset)}
    limits = Limits()
    renderer = Renderer(REPO, factset, Freshness(TODAY, 120), helpers=helpers, limits=limits)
    modules, _ = read_modules(REPO)
    assert modules
    for module in modules:
        start = time.process_time()
        rendered = renderer.render(f"{module.id}.md", f"{module.id}.md")
        assert time.process_time() - start < limits.seconds / 2, module.id
        assert len(rendered.body) < limits.max_chars / 4, module.id
