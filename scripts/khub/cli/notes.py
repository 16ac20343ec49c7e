"""`khub notes YYYY-MM`: write an edition's monthly notes under build/notes/."""

from __future__ import annotations

from pathlib import Path

import click

from khub.data.load import load
from khub.data.settings import load_settings
from khub.disk.atomic import write_atomic
from khub.disk.paths import safe_output_path
from khub.editions.store import EDITIONS_DIR, is_month, read_editions
from khub.errors import NotFoundError, UsageError
from khub.render.content import read_modules
from khub.render.notes import as_html, as_text, newsletter
from khub.render.usage import module_usage
from khub.render.whatchanged import site_url

NOTES_OUT = "build/notes"


@click.command(name="notes")
@click.argument("month")
def notes(month: str) -> None:
    """Write the monthly notes of edition MONTH (YYYY-MM) to build/notes/MONTH.{html,txt}.

    The HTML is a self-contained email (inline styles, no images or scripts); the text is
    the same notes in plain text. Hand both to a mailing tool: khub sends no mail.
    """
    root = Path()
    if not is_month(month):
        raise UsageError(f"{month!r} is not an edition (write its month as YYYY-MM, e.g. 2026-06)")
    editions = read_editions(root)
    edition = next((e for e in editions if e.id == month), None)
    if edition is None:
        known = ", ".join(e.id for e in editions) or "none published yet"
        raise NotFoundError(
            f"{EDITIONS_DIR}/{month}.yml: no such edition (published: {known}; "
            "publish it first with `khub edition publish`)"
        )
    factset, _ = load(root)
    from khub.cli.site import site_helpers

    uses = module_usage(root, factset, helpers=site_helpers(factset))
    modules, _ = read_modules(root)
    titles = {m.id: m.meta.title for m in modules}
    hub = load_settings(root).title
    letter = newsletter(factset, editions, edition, uses, titles, hub)
    base = site_url(root) or "/"
    outputs = {
        f"{NOTES_OUT}/{month}.html": as_html(letter, base),
        f"{NOTES_OUT}/{month}.txt": as_text(letter, base),
    }
    targets = {rel: safe_output_path(root, rel, ".") for rel in outputs}
    for rel, text in outputs.items():
        targets[rel].parent.mkdir(parents=True, exist_ok=True)
        write_atomic(targets[rel], text.encode("utf-8"))
        click.echo(f"wrote {rel}", err=True)
