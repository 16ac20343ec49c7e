"""Following the hub on a three-edition hub kept in git: feeds, notes, archive, API, citing.

The hub publishes 2026-04, 2026-05 and 2026-06, committing each edition; the module text of
mod-a changes between 2026-04 and 2026-05, so the archive must read the old text from git.
The site is generated and built with `mkdocs build --strict` once per module of tests.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
from bs4 import BeautifulSoup

from khub.data.load import load
from khub.editions.publish import publish
from khub.render import whatchanged
from khub.site import archive
from khub.site.builder import mkdocs_build
from khub.site.generate import generate
from tests.kit.cli import invoke_khub
from tests.kit.editions import TODAY, edit_facts, make_hub, site_ready
from tests.kit.git import commit_all, git
from tests.kit.hubs import replace_once
from tests.site.htmlcheck import broken_links, resolve

BASE = "https://hub.test/kh/"
ATOM = "{http://www.w3.org/2005/Atom}"
pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Hub:
    """The built hub: its top folder and its site folder."""

    root: Path
    site: Path


def publish_with_note(root: Path, month: str, day: int, notes: str) -> None:
    """Publish one edition with its notes and commit it."""
    path = root / f"notes-{month}.yml"
    path.write_text(notes)
    publish(root, month, published=dt.date(int(month[:4]), int(month[5:]), day), notes_path=path)
    commit_all(root, f"edition {month}")


def three_editions_in_git(root: Path) -> None:
    """Publish the kit's three editions, one commit each, changing mod-a's text after April."""
    make_hub(root)
    site_ready(root)
    commit_all(root, "hub")
    publish_with_note(
        root, "2026-04", 30, "- module: mod-a\n  facts: [score.alpha]\n  text: First look.\n"
    )
    edit_facts(root, "value: 80.0", "value: 82.5")
    dates = "      as_of: {0}\n      verified: {0}\n      status: independent\n    beta:"
    edit_facts(root, dates.format("2026-04-01"), dates.format("2026-05-20"))
    replace_once(root / "content" / "mod-a.md", "Alpha scores", "Alpha now scores")
    publish_with_note(
        root, "2026-05", 31, "- module: mod-a\n  facts: [score.alpha]\n  text: Alpha improved.\n"
    )
    edit_facts(root, "value: 70.0", "value: 79.0")
    edit_facts(root, "      status: official\n", "      status: vendor-reported\n")
    publish_with_note(
        root,
        "2026-06",
        30,
        "- module: mod-a\n  facts: [score.beta, lead]\n  acknowledges: [alpha-leads]\n"
        "  text: Beta closed the gap.\n- module: mod-b\n  text: Price status now reported.\n",
    )


def generate_hub(root: Path, out: Path | None = None, cache: bool = True) -> None:
    """Generate build/docs (or out) the way `khub generate` does for this hub."""
    factset, _ = load(root, today=dt.date.fromisoformat(TODAY), cache=False)
    generate(
        root,
        factset,
        module_preamble=whatchanged.module_preamble(root, factset),
        extra_files=[whatchanged.extra_files],
        today=dt.date.fromisoformat(TODAY),
        out_dir=out,
        cache=cache,
    )


@pytest.fixture(scope="module")
def env() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KHUB_SITE_URL", BASE)
        mp.setenv("KHUB_TODAY", TODAY)
        yield


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, env: None) -> Hub:
    root = tmp_path_factory.mktemp("follow") / "hub"
    root.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KHUB_CACHE_DIR", str(root.parent / "cache"))
        three_editions_in_git(root)
        generate_hub(root)
        return Hub(root, mkdocs_build(root))


def entries(feed: Path) -> list[tuple[str, str, str]]:
    """Return (id, title, content) of every entry of an Atom feed, newest first."""
    tree = ET.fromstring(feed.read_bytes())
    assert tree.tag == f"{ATOM}feed"
    return [
        (
            e.findtext(f"{ATOM}id") or "",
            e.findtext(f"{ATOM}title") or "",
            e.findtext(f"{ATOM}content") or "",
        )
        for e in tree.iter(f"{ATOM}entry")
    ]


def page_html(site: Path, rel: str) -> str:
    return (site / rel / "index.html").read_text(encoding="utf-8")


# --- feeds ----------------------------------------------------------------------------------


def test_module_feeds_have_entries_only_for_editions_that_changed_the_module(hub: Hub) -> None:
    mod_b = entries(hub.site / "feeds" / "mod-b.xml")
    assert [t for _, t, _ in mod_b] == [
        "Module B: June 2026 edition",
        "Module B: April 2026 edition",
    ]
    assert "Price status now reported." in mod_b[0][2]
    assert "status official → vendor-reported" in mod_b[0][2]
    mod_a = entries(hub.site / "feeds" / "mod-a.xml")
    assert [t.split(": ")[1] for _, t, _ in mod_a] == [
        "June 2026 edition",
        "May 2026 edition",
        "April 2026 edition",
    ]
    june = mod_a[0][2]
    assert "Beta closed the gap." in june
    assert "Lead of Alpha over Beta" in june and "→" in june and "%" in june
    assert "No longer supported by the data" in june
    assert "Bench score, share of tasks resolved: Alpha | One: 80% → 82.5% (+3.1%)." in mod_a[1][2]


def test_feed_ids_are_stable_across_builds_and_unique(hub: Hub, tmp_path: Path) -> None:
    generate_hub(hub.root, out=tmp_path / "again", cache=False)
    for name in ("mod-a.xml", "mod-b.xml"):
        first = [i for i, _, _ in entries(hub.site / "feeds" / name)]
        second = [i for i, _, _ in entries(tmp_path / "again" / "feeds" / name)]
        assert first == second
        assert len(set(first)) == len(first)
        assert all(i.startswith("urn:uuid:") for i in first)
    ids_a = {i for i, _, _ in entries(hub.site / "feeds" / "mod-a.xml")}
    ids_b = {i for i, _, _ in entries(hub.site / "feeds" / "mod-b.xml")}
    assert not ids_a & ids_b


def test_site_feed_names_modules_by_title(hub: Hub) -> None:
    content = " ".join(c for _, _, c in entries(hub.site / "feed.xml"))
    assert "<strong>Module A</strong>" in content
    assert "<strong>mod-a</strong>" not in content


def test_module_page_ends_with_follow_block_linking_feed_notes_and_editions(hub: Hub) -> None:
    soup = BeautifulSoup(page_html(hub.site, "mod-a"), "lxml")
    heading = soup.find(id="follow-this-module")
    assert heading is not None
    hrefs = [str(a["href"]) for a in soup.find_all("a", href=True)]
    assert "../feeds/mod-a.xml" in hrefs
    assert "../notes/2026-06/" in hrefs
    for month in ("2026-04", "2026-05", "2026-06"):
        assert f"../editions/{month}/mod-a/" in hrefs


def test_no_link_of_the_site_is_broken(hub: Hub) -> None:
    # 404.html links by absolute path under site_url (/kh/), which a folder cannot resolve
    assert [b for b in broken_links(hub.site) if not b.startswith("404.html:")] == []


# --- archive --------------------------------------------------------------------------------


def test_archived_module_shows_the_old_value_and_text_the_current_page_the_new(hub: Hub) -> None:
    old = page_html(hub.site, "editions/2026-04/mod-a")
    assert "Archived edition: April 2026" in old
    assert "current version" in old and 'href="../../../mod-a/"' in old
    assert "Alpha scores" in old and "Alpha now scores" not in old
    assert ">80%<" in old and "82.5%" not in old
    commit = git(hub.root, "log", "--format=%H", "-n1", "--", "data/editions/2026-04.yml")
    assert f"revision <code>{commit.strip()[:12]}</code>" in old
    current = page_html(hub.site, "mod-a")
    assert "Alpha now scores" in current and ">82.5%<" in current
    may = page_html(hub.site, "editions/2026-05/mod-a")
    assert "Alpha now scores" in may and ">82.5%<" in may


def test_archive_fact_links_go_to_the_editions_own_fact_pages(hub: Hub) -> None:
    page = hub.site / "editions" / "2026-04" / "mod-a" / "index.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
    facts = soup.select("[data-fact-id]")
    assert {str(f["href"]) for f in facts} == {"../facts/score/#alpha", "../facts/derived/#lead"}
    target = resolve(hub.site, page, "../facts/score/#alpha")
    assert target is not None
    fact_page = target[0].read_text(encoding="utf-8")
    assert 'id="alpha"' in fact_page and ">80%<" in fact_page


def test_archive_without_git_history_uses_the_current_text_and_says_so(
    hub: Hub, tmp_path: Path
) -> None:
    copy = tmp_path / "nogit"
    shutil.copytree(hub.root, copy, ignore=shutil.ignore_patterns(".git", "build", "site"))
    generate_hub(copy, cache=False)
    page = (copy / "build" / "docs" / "editions" / "2026-04" / "mod-a.md").read_text()
    assert "not available here" in page
    assert "Alpha now scores" in page  # today's text ...
    assert "[80%]" in page  # ... with that edition's value


def test_shallow_clone_falls_back_to_the_current_text(hub: Hub, tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{hub.root}", str(clone))
    assert archive.edition_commits(clone) == {}
    assert set(archive.edition_commits(hub.root)) == {"2026-04", "2026-05", "2026-06"}


def test_archive_pages_are_rendered_once_and_reused(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KHUB_CACHE_DIR", str(hub.root.parent / "cache"))
    calls: list[str] = []
    real = archive.Archiver._render

    def counting(self: archive.Archiver, edition: object, revision: str | None) -> object:
        calls.append(edition.id)  # type: ignore[attr-defined]
        return real(self, edition, revision)  # type: ignore[arg-type]

    monkeypatch.setattr(archive.Archiver, "_render", counting)
    before = (hub.root / "build" / "docs" / "editions" / "2026-04" / "mod-a.md").read_bytes()
    generate_hub(hub.root)
    assert calls == []
    after = (hub.root / "build" / "docs" / "editions" / "2026-04" / "mod-a.md").read_bytes()
    assert after == before
    generate_hub(hub.root, out=hub.root.parent / "uncached", cache=False)
    assert calls == ["2026-04", "2026-05", "2026-06"]


# --- citing ---------------------------------------------------------------------------------


def test_archive_fact_page_cites_the_figure_with_its_permalink(hub: Hub) -> None:
    html = page_html(hub.site, "editions/2026-05/facts/score")
    cite = (
        "Bench score, share of tasks resolved: Alpha | One: 82.5%. Knowledge Hub, "
        f"May 2026 edition. {BASE}editions/2026-05/facts/score/#alpha (accessed 30 June 2026)."
    )
    text = BeautifulSoup(html, "lxml").get_text()
    assert cite in text
    link = urlsplit(f"{BASE}editions/2026-05/facts/score/#alpha")
    found = resolve(hub.site, hub.site / "index.html", link.path.removeprefix("/kh"))
    assert found is not None and found[0].is_file()
    assert 'id="alpha"' in found[0].read_text(encoding="utf-8")


# --- API ------------------------------------------------------------------------------------


def api(site: Path, rel: str) -> object:
    return json.loads((site / "api" / "v1" / rel).read_text(encoding="utf-8"))


def test_api_history_files_validate_against_their_schemas(hub: Hub) -> None:
    schemas = {
        name: api(hub.site, f"schema/{name}.schema.json")
        for name in ("editions", "edition-facts", "fact-history")
    }
    listed = api(hub.site, "editions.json")
    jsonschema.validate(listed, schemas["editions"])
    assert isinstance(listed, dict) and listed["schema_version"] == 1
    assert [e["id"] for e in listed["editions"]] == ["2026-04", "2026-05", "2026-06"]
    assert listed["editions"][1]["previous"] == "2026-04"
    for entry in listed["editions"]:
        frozen = api(hub.site, f"editions/{entry['id']}/facts.json")
        jsonschema.validate(frozen, schemas["edition-facts"])
        assert isinstance(frozen, dict) and frozen["sha256"] == entry["sha256"]
    history = api(hub.site, "facts/score.json")
    jsonschema.validate(history, schemas["fact-history"])
    jsonschema.validate(api(hub.site, "facts/derived.json"), schemas["fact-history"])
    assert isinstance(history, dict)
    periods = history["facts"]["score.alpha"]["periods"]
    assert [(p["value"], p["since"], p["until"]) for p in periods] == [
        (80.0, "2026-04", "2026-04"),
        (82.5, "2026-05", None),
    ]
    beta = history["facts"]["score.beta"]["periods"]
    assert [(p["value"], p["since"], p["until"]) for p in beta] == [
        (70.0, "2026-04", "2026-05"),
        (79.0, "2026-06", None),
    ]
    assert periods[1]["permalink"] == "editions/2026-05/facts/score/#alpha"


def test_an_api_file_that_breaks_its_schema_is_refused(hub: Hub) -> None:
    listed = api(hub.site, "editions.json")
    assert isinstance(listed, dict)
    listed["editions"][0]["published"] = 20260430
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(listed, api(hub.site, "schema/editions.schema.json"))


# --- the monthly notes ----------------------------------------------------------------------


def test_notes_command_writes_a_self_contained_email_whose_links_resolve(hub: Hub) -> None:
    result = invoke_khub(hub.root, ["notes", "2026-06"], today=TODAY, env={"KHUB_SITE_URL": BASE})
    assert result.exit_code == 0, result.output
    html = (hub.root / "build" / "notes" / "2026-06.html").read_text(encoding="utf-8")
    text = (hub.root / "build" / "notes" / "2026-06.txt").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "lxml")
    assert soup.find("script") is None and soup.find("img") is None
    assert not soup.find_all(attrs={"src": True})
    assert soup.find("meta", attrs={"name": "color-scheme"}) is not None
    assert "max-width:600px" in html and "prefers-color-scheme: dark" in html
    assert not soup.find_all("link")
    hrefs = [str(a["href"]) for a in soup.find_all("a", href=True)]
    assert hrefs and all(h.startswith(BASE) for h in hrefs)
    for href in hrefs:
        path = urlsplit(href)
        local = path.path.removeprefix(urlsplit(BASE).path)
        found = resolve(hub.site, hub.site / "index.html", "/" + local + ("#" + path.fragment))
        assert found is not None
        file, fragment = found
        assert file.is_file(), href
        if fragment:
            assert f'id="{fragment}"' in file.read_text(encoding="utf-8"), href
    body = soup.get_text()
    assert body.index("What changed and why it matters") < body.index("Beta closed the gap.")
    assert body.index("Beta closed the gap.") < body.index("Lead of Alpha over Beta")
    assert "No longer supported by the data" in body
    assert "Beta closed the gap." in text and f"<{BASE}facts/derived/#lead>" in text


def test_notes_list_the_figures_that_could_not_be_rechecked(hub: Hub, tmp_path: Path) -> None:
    copy = tmp_path / "hub"
    shutil.copytree(hub.root, copy, ignore=shutil.ignore_patterns("build", "site"))
    (copy / "data" / "check-state.yml").write_text(
        "facts:\n  score.alpha:\n    outcome: unreadable\n    checked: 2026-06-20\n"
        "    failing_since: 2026-06-10\n"
    )
    result = invoke_khub(copy, ["notes", "2026-06"], today=TODAY, env={"KHUB_SITE_URL": BASE})
    assert result.exit_code == 0, result.output
    text = (copy / "build" / "notes" / "2026-06.txt").read_text(encoding="utf-8")
    words = " ".join(text.split())  # the text version wraps at 72 columns
    assert "Not re-checked: Alpha | One, could not be re-checked since 10 June 2026" in words


def test_the_site_publishes_the_notes_of_every_edition(hub: Hub) -> None:
    june = page_html(hub.site, "notes/2026-06")
    assert "Beta closed the gap." in june and "Module B" in june
    april = page_html(hub.site, "notes/2026-04")
    assert "First look." in april


@pytest.mark.parametrize(
    ("month", "code", "says"),
    [
        ("2026-13", 2, "'2026-13' is not an edition (write its month as YYYY-MM"),
        ("june", 2, "'june' is not an edition"),
        ("2026-07", 1, "data/editions/2026-07.yml: no such edition (published: 2026-04, "),
    ],
)
def test_notes_command_refuses_bad_input_in_one_line(
    hub: Hub, tmp_path: Path, month: str, code: int, says: str
) -> None:
    copy = tmp_path / "hub"
    shutil.copytree(hub.root, copy, ignore=shutil.ignore_patterns("build", "site"))
    result = invoke_khub(copy, ["notes", month], today=TODAY)
    assert result.exit_code == code
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and says in lines[0]
    assert "Traceback" not in result.output
    assert not (copy / "build").exists()


def test_cite_data_gives_the_popover_a_permalink_pattern_that_resolves(hub: Hub) -> None:
    data = api(hub.site, "cite.json")
    assert isinstance(data, dict)
    assert data["edition"] == "2026-06" and data["hub"] == "Knowledge Hub"
    link = data["permalink"].format(series="score", subject="alpha")
    assert link == f"{BASE}editions/2026-06/facts/score/#alpha"
    derived = data["permalink"].format(series=data["derived_series"], subject="lead")
    found = resolve(hub.site, hub.site / "index.html", urlsplit(derived).path.removeprefix("/kh"))
    assert found is not None and 'id="lead"' in found[0].read_text(encoding="utf-8")


def test_an_archived_revision_runs_in_the_sandbox_within_the_limits(tmp_path: Path) -> None:
    root = tmp_path / "hub"
    make_hub(root)
    site_ready(root)
    (root / "data" / "hub.yml").write_text("render_max_chars: 10000\n")
    module = root / "content" / "mod-a.md"
    good = module.read_text()
    module.write_text(good + "{% for i in range(5000) %}too long {% endfor %}\n")
    commit_all(root, "a module that renders past the limit")
    publish_with_note(root, "2026-04", 30, "- module: mod-a\n  text: First look.\n")
    module.write_text(good)
    commit_all(root, "fixed")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KHUB_CACHE_DIR", str(tmp_path / "cache"))
        generate_hub(root)
    page = (root / "build" / "docs" / "editions" / "2026-04" / "mod-a.md").read_text()
    assert "too long" not in page
    assert "not available here" in page and "[80%]" in page


def test_a_cold_generate_writes_the_same_bytes_as_one_from_the_archive_cache(
    hub: Hub, tmp_path: Path
) -> None:
    generate_hub(hub.root, out=tmp_path / "cold", cache=False)
    docs = hub.root / "build" / "docs"
    cold = {
        p.relative_to(tmp_path / "cold"): p.read_bytes()
        for p in (tmp_path / "cold").rglob("*")
        if p.is_file()
    }
    warm = {p.relative_to(docs): p.read_bytes() for p in docs.rglob("*") if p.is_file()}
    assert any(str(rel).startswith("editions/2026-04/") for rel in cold)
    assert cold == warm
