"""The brand in data/hub.yml: validated with located errors, contained, escaped in the site.

Bad values (a colour that is not #rrggbb or is unreadable, a javascript: contact, a logo
outside the repository or through a symlink, an SVG with script) stop `khub generate` with
`data/hub.yml:LINE: …`, exit 1, no traceback and build/ as it was. Hostile text (markup in
the title, the footer, the contact) reaches every page escaped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from khub.data.settings import AA_CONTRAST, SLATE_BG, WHITE, contrast, load_settings
from khub.errors import DataError
from khub.site.brand import brand_css, png_fault, svg_fault
from tests.kit.cli import run_khub
from tests.kit.hubs import TODAY, copy_hub
from tests.kit.paths import REPO
from tests.kit.tree import tree_digest
from tests.site.kit import build_hub, without_widgets

GOOD_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><title>Firm</title>'
    b'<rect width="4" height="4" fill="#123456"/></svg>'
)
HUB = """\
title: {title}
publisher: {publisher}
logo: {logo}
palette:
  light:
    primary: "{primary}"
    accent: "#9c4a12"
  dark:
    primary: "#1d4a59"
    accent: "#8ac6d4"
footer:
  contact: '{contact}'
  copyright: '{copyright}'
  disclaimer: Not advice.
"""
GOOD = {
    "title": "Firm Hub",
    "publisher": "Firm",
    "logo": "data/brand/logo.svg",
    "primary": "#1f4e5f",
    "contact": "https://firm.example/contact",
    "copyright": "(c) 2026 Firm",
}


def _hub(tmp_path: Path, **values: str) -> Path:
    hub = without_widgets(copy_hub(tmp_path / "hub"))
    (hub / "data" / "brand").mkdir()
    (hub / "data" / "brand" / "logo.svg").write_bytes(GOOD_SVG)
    (hub / "data" / "hub.yml").write_text(HUB.format(**{**GOOD, **values}), encoding="utf-8")
    return hub


def _refused(hub: Path) -> list[str]:
    before = tree_digest(hub)
    run = run_khub(hub, "generate", today=TODAY.isoformat())
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert tree_digest(hub) == before
    return run.stderr.strip().splitlines()


def test_the_shipped_palette_reads_at_aa_in_both_schemes() -> None:
    palette = load_settings(REPO).palette
    assert contrast(palette.light.primary, WHITE) >= AA_CONTRAST
    assert contrast(palette.light.accent, WHITE) >= AA_CONTRAST
    assert contrast(palette.dark.primary, WHITE) >= AA_CONTRAST
    assert contrast(palette.dark.accent, SLATE_BG) >= AA_CONTRAST


def test_contrast_matches_wcag() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize(
    ("values", "line", "message"),
    [
        ({"primary": "indigo"}, 6, "palette.light.primary: 'indigo' is not a colour like"),
        ({"primary": "#eeeeee"}, 5, "palette.light: primary #eeeeee has contrast 1.16:1"),
        ({"contact": "javascript:alert(1)"}, 12, "footer.contact: 'javascript:alert(1)' is not"),
        ({"contact": "http://firm.example/"}, 12, "is not an https: URL or a mailto: address"),
        ({"logo": "../outside.svg"}, 3, "logo: '../outside.svg' is not a plain path"),
        ({"logo": "data/brand/logo.gif"}, 3, "logo: 'data/brand/logo.gif' is not an .svg or .png"),
        ({"logo": "content/logo.svg"}, 3, "logo: 'content/logo.svg' is not under data/"),
    ],
)
def test_bad_brand_values_are_located(
    tmp_path: Path, values: dict[str, str], line: int, message: str
) -> None:
    lines = _refused(_hub(tmp_path, **values))
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"data/hub.yml:{line}: "), lines
    assert message in lines[0], lines


def test_a_missing_logo_is_located(tmp_path: Path) -> None:
    hub = _hub(tmp_path, logo="data/brand/missing.svg")
    assert _refused(hub) == [
        "data/hub.yml:3: logo: data/brand/missing.svg: file is missing (add it or remove its name)"
    ]


def test_a_logo_symlink_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.svg"
    secret.write_bytes(GOOD_SVG)
    hub = _hub(tmp_path, logo="data/brand/link.svg")
    os.symlink(secret, hub / "data" / "brand" / "link.svg")
    assert _refused(hub)[0] == (
        "data/brand/link.svg: a symlink to a file outside the repository (commit the file itself)"
    )


@pytest.mark.parametrize(
    ("svg", "fault"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<script>"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "event attribute"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
            b'<use x:href="https://evil.example/a.svg#b"/></svg>',
            "links out of the file",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://e.x/)"/></svg>',
            "refers outside the file",
        ),
        (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "b">]><svg/>', "DOCTYPE"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>', "<foreignObject>"),
        (b"<svg><rect/></svg>", "not an SVG image"),
        (b"<svg", "not well-formed"),
        ("<svg/>".encode("utf-16"), "not UTF-8"),
    ],
)
def test_unsafe_svg_logos_are_refused(svg: bytes, fault: str) -> None:
    assert fault in (svg_fault(svg) or "")


def test_a_drawing_passes_and_png_needs_its_signature() -> None:
    assert svg_fault(GOOD_SVG) is None
    assert svg_fault((REPO / "data" / "brand" / "logo.svg").read_bytes()) is None
    assert png_fault(b"\x89PNG\r\n\x1a\n....") is None
    assert png_fault(b"<svg/>") == "is not a PNG image"


def test_an_unsafe_logo_stops_generate_at_its_line(tmp_path: Path) -> None:
    hub = _hub(tmp_path)
    (hub / "data" / "brand" / "logo.svg").write_bytes(
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    assert _refused(hub) == [
        "data/hub.yml:3: logo: data/brand/logo.svg: holds a <script> element "
        "(only shapes, text and gradients) (draw the logo with shapes and text only)"
    ]


def test_hostile_brand_text_is_escaped_on_every_page(tmp_path: Path) -> None:
    attack = "<img src=x onerror=alert(1)>"
    hub = _hub(
        tmp_path,
        title=f'"Firm {attack}"',
        publisher=f'"Pub {attack}"',
        copyright="(c) <b>bold</b>",
        contact='https://firm.example/"><script>alert(1)</script>',
    )
    built = build_hub(hub)
    pages = sorted(built.site.rglob("*.html"))
    assert len(pages) > 3
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<img src=x" not in text, page
        assert "<script>alert" not in text, page
    home = (built.site / "index.html").read_text(encoding="utf-8")
    assert "Firm &lt;img src=x onerror=alert(1)&gt;" in home
    assert "Pub &lt;img src=x onerror=alert(1)&gt;" in home


def test_the_brand_reaches_the_theme_files(tmp_path: Path) -> None:
    built = build_hub(_hub(tmp_path))
    assert (built.site / "assets" / "hub" / "logo.svg").read_bytes() == GOOD_SVG
    css = (built.site / "assets" / "hub" / "brand.css").read_text(encoding="utf-8")
    assert css == brand_css(load_settings(built.root))
    assert "--md-primary-fg-color: #1f4e5f;" in css
    assert not (built.site / "assets" / "hub" / ".theme.json").exists()  # never published
    home = (built.site / "index.html").read_text(encoding="utf-8")
    assert "<title>Firm Hub" in home
    assert "Made with" not in home
    assert '<a href="https://firm.example/contact">firm.example/contact</a>' in home


def test_settings_default_without_a_brand(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "hub.yml").write_text("title: Bare\n", encoding="utf-8")
    settings = load_settings(tmp_path)
    assert settings.logo is None and settings.footer.contact is None
    with pytest.raises(DataError):
        (tmp_path / "data" / "hub.yml").write_text('title: "a\\nb"\n', encoding="utf-8")
        load_settings(tmp_path)


def test_khub_build_rebuilds_when_only_the_brand_changes(tmp_path: Path) -> None:
    hub = _hub(tmp_path)
    first = run_khub(hub, "build", today=TODAY.isoformat())
    assert first.returncode == 0, first.stderr
    again = run_khub(hub, "build", today=TODAY.isoformat())
    assert (
        again.stderr.strip().splitlines()[-1]
        == "site is up to date: nothing changed since the last build"
    )
    text = (hub / "data" / "hub.yml").read_text(encoding="utf-8")
    (hub / "data" / "hub.yml").write_text(text.replace("Not advice.", "Still not advice."))
    changed = run_khub(hub, "build", today=TODAY.isoformat())
    assert changed.returncode == 0, changed.stderr
    assert "Still not advice." in (hub / "site" / "index.html").read_text(encoding="utf-8")
    (hub / "data" / "brand" / "logo.svg").write_bytes(GOOD_SVG.replace(b"#123456", b"#654321"))
    assert run_khub(hub, "build", today=TODAY.isoformat()).returncode == 0
    assert b"#654321" in (hub / "site" / "assets" / "hub" / "logo.svg").read_bytes()
