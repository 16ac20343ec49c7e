"""Where the what-changed block goes: after a module's opening paragraph, for any body shape."""

from __future__ import annotations

import pytest

from khub.render.intro import after_intro

BLOCK = '??? khub-changes "What changed"\n    - one\n'


def test_after_the_first_paragraph_even_when_it_runs_over_lines() -> None:
    body = "First line\nof the opening.\n\nSecond paragraph.\n\n## Section\n\nText.\n"
    out = after_intro(body, BLOCK)
    assert out.index("of the opening.") < out.index("??? khub") < out.index("Second paragraph.")
    assert out.endswith("Text.\n")


def test_front_matter_is_skipped() -> None:
    body = "---\ntitle: T\n---\n\nOpening.\n\nMore.\n"
    out = after_intro(body, BLOCK)
    assert out.startswith("---\ntitle: T\n---\n\nOpening.\n\n??? khub")


@pytest.mark.parametrize(
    "body",
    [
        "## Heading first\n\nA paragraph under it.\n",
        "Setext heading\n==============\n\nText.\n",
        "",
        "- only\n- a list\n",
    ],
    ids=["heading", "setext-heading", "nothing", "only-a-list"],
)
def test_no_opening_paragraph_puts_the_block_on_top(body: str) -> None:
    out = after_intro(body, BLOCK)
    assert out.startswith("??? khub-changes")
    assert out.rstrip("\n").endswith(body.rstrip("\n") or BLOCK.rstrip("\n"))


def test_an_admonition_list_table_or_fence_before_the_opening_is_passed_over() -> None:
    body = (
        '!!! note "Estimates"\n    Indented body.\n\n    More of it.\n\n'
        "- a list item\nlazy continuation\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "```\ncode\n\nstill code\n```\n\n"
        "The opening paragraph.\n\nNext.\n"
    )
    out = after_intro(body, BLOCK)
    assert out.index("The opening paragraph.") < out.index("??? khub") < out.index("Next.")


def test_a_list_interrupting_the_opening_ends_it() -> None:
    out = after_intro("Opening sentence:\n- item one\n- item two\n", BLOCK)
    assert out.index("Opening sentence:") < out.index("??? khub") < out.index("- item one")


def test_a_heading_before_any_paragraph_wins_over_a_later_paragraph() -> None:
    out = after_intro("!!! tip\n    Tip.\n\n## Part\n\nParagraph.\n", BLOCK)
    assert out.startswith("??? khub-changes")


def test_an_empty_block_leaves_the_body_alone() -> None:
    assert after_intro("Opening.\n", "\n") == "Opening.\n"
