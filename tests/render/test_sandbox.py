"""Module templates: helpers, strictness, the sandbox and located errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from khub.errors import DataError, NotFoundError
from khub.site.generate import GenerateResult
from tests.kit.hubs import write_module

Run = Callable[..., GenerateResult]


def page(hub: Path, name: str) -> str:
    return (hub / "build" / "docs" / f"{name}.md").read_text(encoding="utf-8")


def problems(run: Run) -> list[str]:
    with pytest.raises(DataError) as info:
        run()
    return [str(p) for p in info.value.problems]


def test_fact_renders_as_traceable_element(hub: Path, run_generate: Run) -> None:
    run_generate()
    text = page(hub, "alpha")
    assert (
        '[88.6%](facts/bench-score.md#model-a){.khub-fact data-fact-id="bench-score.model-a" '
        'data-status="independent" data-as-of="2026-06-30" data-verified="2026-06-30" '
        'data-source="Bench leaderboard (Bench Org)"}'
    ) in text


def test_stale_fact_is_marked(hub: Path, run_generate: Run) -> None:
    run_generate()
    text = page(hub, "alpha")
    element = re.search(r"\[80\.2%[^]]*\]\([^)]*\)\{[^}]*\}", text)
    assert element is not None
    assert ".khub-stale" in element.group(0)
    assert '<span class="khub-badge" data-search-exclude>overdue</span>' in element.group(0)
    assert 'data-stale-after="120"' in element.group(0)
    assert "†" not in element.group(0) and "(stale)" not in element.group(0)


def test_fresh_today_marks_nothing_stale(hub: Path, run_generate: Run) -> None:
    (hub / "data" / "hub.yml").write_text("title: T\nstale_after_days: 400\n", encoding="utf-8")
    run_generate()
    assert "khub-stale" not in page(hub, "alpha")


def test_unknown_fact_fails_with_file_and_line(hub: Path, run_generate: Run) -> None:
    write_module(hub, "gamma", "Fine line.\n\nThe score is {{ fact('bench-score.model-c') }}.\n")
    assert problems(run_generate) == [
        "content/gamma.md:8: unknown fact 'bench-score.model-c' "
        "(did you mean bench-score.model-b, bench-score.model-a?)"
    ]


def test_unknown_source_fails_with_line(hub: Path, run_generate: Run) -> None:
    write_module(hub, "gamma", "Cited{{ cite('bench-bord') }}.\n")
    assert problems(run_generate) == [
        "content/gamma.md:6: unknown source 'bench-bord' (did you mean bench-board?)"
    ]


def test_unknown_helper_fails_with_line(hub: Path, run_generate: Run) -> None:
    write_module(hub, "gamma", "\n{{ facts('bench-score.model-a') }}\n")
    assert problems(run_generate) == [
        "content/gamma.md:7: unknown helper or name 'facts' (did you mean 'fact'?)"
    ]


def test_every_broken_module_is_reported_at_once(hub: Path, run_generate: Run) -> None:
    write_module(hub, "gamma", "{{ fact('nope') }}\n")
    write_module(hub, "delta", "{{ cite('nope') }}\n")
    found = problems(run_generate)
    assert [p.split(":")[0] for p in found] == ["content/delta.md", "content/gamma.md"]


def test_error_in_a_partial_names_the_partial(hub: Path, run_generate: Run) -> None:
    (hub / "templates" / "partials" / "bad.md").write_text("ok\n{{ fact('x.y') }}\n", "utf-8")
    write_module(hub, "gamma", "{% include 'partials/bad.md' %}\n")
    assert problems(run_generate)[0].startswith("templates/partials/bad.md:2: unknown fact 'x.y'")


def test_syntax_error_is_located(hub: Path, run_generate: Run) -> None:
    write_module(hub, "gamma", "one\ntwo {{ fact('bench-score.model-a') \n")
    assert problems(run_generate)[0].startswith("content/gamma.md:7: template syntax error")


@pytest.mark.parametrize(
    "expression",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ fact.__globals__ }}",
        "{{ fact.__self__ }}",
        "{{ cite.__func__.__globals__['os'] }}",
        "{% set x = [1] %}{{ x.append(2) }}",
        "{{ ().__class__.__base__.__subclasses__() }}",
    ],
)
def test_sandbox_refuses_python_internals(hub: Path, run_generate: Run, expression: str) -> None:
    write_module(hub, "gamma", f"\n{expression}\n")
    found = problems(run_generate)
    assert len(found) == 1
    assert found[0].startswith("content/gamma.md:7: ")
    assert "unsafe" in found[0]
    assert "(templates may only call khub's helpers)" in found[0]


def test_code_blocks_keep_literal_braces(hub: Path, run_generate: Run) -> None:
    body = (
        "```\n{{ fact('does.not-exist') }} {% if %}\n```\n\n"
        "~~~~ md\n{{ cite('nope') }}\n~~~~\n\n"
        "Inline: {% raw %}`{{ fact('x') }}`{% endraw %}.\n"
    )
    write_module(hub, "gamma", body)
    run_generate()
    text = page(hub, "gamma")
    assert "```\n{{ fact('does.not-exist') }} {% if %}\n```" in text
    assert "~~~~ md\n{{ cite('nope') }}\n~~~~" in text
    assert "Inline: `{{ fact('x') }}`." in text


def test_footnotes_number_per_module_in_order_of_first_use(hub: Path, run_generate: Run) -> None:
    run_generate()
    alpha, beta = page(hub, "alpha"), page(hub, "beta")
    assert re.findall(r"\[\^(\d)\](?!:)", alpha) == ["1", "1", "1", "2", "1"]
    assert re.findall(r"^\[\^(\d)\]: “([^”]+)”", alpha, re.M) == [
        ("1", "Bench leaderboard"),
        ("2", "Vendor price list"),
    ]
    assert re.findall(r"^\[\^(\d)\]: “([^”]+)”", beta, re.M) == [
        ("1", "A cost study"),
        ("2", "Vendor price list"),
    ]
    assert "[^1]: “A cost study”, Analyst Co. No public link is known." in beta
    assert "[https://bench.example.org/board](https://bench.example.org/board)" in alpha


def test_fmt_options(hub: Path, run_generate: Run) -> None:
    body = (
        "{{ fact('bench-score.model-a', fmt='label') }} "
        "{{ fact('bench-score.model-a', fmt='verified') }} "
        "{{ fact('costs.volume', decimals=1) }} "
        "{{ fact('costs.api', cite=True) }}\n"
    )
    write_module(hub, "gamma", body)
    run_generate()
    text = page(hub, "gamma")
    assert "[Model A](facts/bench-score.md#model-a)" in text
    assert "[30 June 2026](facts/bench-score.md#model-a)" in text
    est = '<span class="khub-label" data-search-exclude>est.</span>'
    assert f"[500.0M tokens/day{est}](facts/costs.md#volume)" in text
    assert f"[2026-06-30{est}]" not in text  # the label is about a value, not a date
    assert re.search(r"\[\$0\.12/day<span[^]]+\]\([^)]+\)\{[^}]+\}\[\^1\]", text)


def test_unknown_fmt_and_column_fail(hub: Path, run_generate: Run) -> None:
    write_module(hub, "gamma", "{{ fact('costs.api', fmt='tier') }}\n")
    write_module(hub, "delta", "{{ series_table('costs', columns=['value', 'price']) }}\n")
    found = problems(run_generate)
    assert found[0].startswith("content/delta.md:6: unknown column 'price'")
    assert found[1].startswith("content/gamma.md:6: costs.api: unknown fmt 'tier'")


def test_fact_pair_states_the_unit_once(hub: Path, run_generate: Run) -> None:
    run_generate()
    text = page(hub, "alpha")
    assert re.search(r"\[\$5\]\([^)]+\)\{[^}]+\} / \[\$25\]\([^)]+\)\{[^}]+\} per million", text)


def test_fact_pair_refuses_mixed_units(hub: Path, run_generate: Run) -> None:
    write_module(hub, "gamma", "{{ fact_pair('prices.input', 'costs.api') }}\n")
    assert "fact_pair needs two facts of one unit" in problems(run_generate)[0]


def test_series_table_only_and_columns(hub: Path, run_generate: Run) -> None:
    body = (
        "{{ series_table('bench-score', columns=['label', 'value', 'note'], only=['model-b']) }}\n"
    )
    write_module(hub, "gamma", body)
    run_generate()
    lines = [ln for ln in page(hub, "gamma").splitlines() if ln.startswith("|")]
    assert lines[0] == "| Item | Value | Note |"
    assert len(lines) == 3
    assert lines[2].startswith("| Model B | [80.2%")
    assert lines[2].endswith("| Reported by the vendor before the board re-ran it. |")


def test_front_matter_problems_are_located(hub: Path, run_generate: Run) -> None:
    (hub / "content" / "gamma.md").write_text(
        "---\ntitle: G\nmodule: gamma\n---\nbody\n", encoding="utf-8"
    )
    (hub / "content" / "delta.md").write_text(
        "---\ntitle: D\nmodule: other\nsummary: s\n---\n", encoding="utf-8"
    )
    found = problems(run_generate)
    assert found[0].startswith("content/delta.md:3: module 'other' differs from the file name")
    assert found[1].startswith("content/gamma.md:")
    assert "front matter 'summary': Field required" in found[1]


def test_supplied_helper_errors_are_located(hub: Path, run_generate: Run) -> None:
    def calculator(name: str) -> str:
        raise NotFoundError(f"unknown calculator '{name}'")

    with pytest.raises(DataError) as info:
        run_generate(helpers={"calculator": calculator})
    assert [str(p) for p in info.value.problems] == [
        "content/alpha.md:19: unknown calculator 'break-even'"
    ]
