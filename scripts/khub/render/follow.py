"""The "Follow this module" block at the end of every module page."""

from __future__ import annotations

from collections.abc import Sequence

from khub.render.changes import month_name
from khub.render.cite import ARCHIVE_DIR
from khub.render.feeds import feed_path

NOTES_DIR = "notes"


def notes_page(edition_id: str) -> str:
    """Return the build/docs path of an edition's monthly notes: notes/2026-06.md."""
    return f"{NOTES_DIR}/{edition_id}.md"


def follow_block(module_id: str, edition_ids: Sequence[str]) -> str:
    """Return the Markdown block that tells a reader how to keep up with one module.

    Module pages sit at the top of build/docs, so the links are relative to it. edition_ids
    are the published editions, oldest first.
    """
    lines = [
        "## Follow this module",
        "",
        "The figures on this page are re-checked every month, and each edition says what "
        "moved. To hear about it:",
        "",
        f"- **Feed**: add [this module's Atom feed]({feed_path(module_id)}) to a feed reader. "
        "It gets an entry only when an edition changes a figure, a claim or a note here.",
    ]
    if edition_ids:
        latest = edition_ids[-1]
        lines.append(
            f"- **Monthly notes**: the [{month_name(latest)} notes]({notes_page(latest)}) sum up "
            "every module's changes and why they matter."
        )
        earlier = [
            f"[{month_name(e)}]({ARCHIVE_DIR}/{e}/{module_id}.md)" for e in reversed(edition_ids)
        ]
        lines.append(
            "- **Every edition**: read this page as it was published in "
            + ", ".join(earlier)
            + f" (or browse [every edition]({ARCHIVE_DIR}/index.md))."
        )
    return "\n".join([*lines, ""])
