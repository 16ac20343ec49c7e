"""Untrusted files and ids cannot make khub read outside the hub or write outside its folders.

Each case plants one attack in a copy of the small fixture hub: a symlink out of it (to
/proc/self/environ, /etc, a file beside the hub), a device, a pipe, a hard link, a
path-like, overlong or reserved id, a symlink where khub writes. The real `khub` CLI then
runs in a subprocess, and the test asserts the exact located lines, exit 1, no traceback,
no secret in the output, and that neither the hub nor the folder beside it changed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from khub.data.ids import MAX_ID_LENGTH, PAGE_NAMES, SERIES_PAGE_NAMES
from khub.data.load import load
from khub.errors import UnsafePathError
from khub.render.content import CONTENT_DIR
from khub.render.sandbox import make_environment
from khub.site.generate import write_tree
from tests.kit.cli import run_khub
from tests.kit.hubs import TODAY, copy_hub
from tests.kit.tree import tree_digest
from tests.site.kit import without_widgets

MARKER = f"khub-secret-{uuid.uuid4().hex}"
WARNING = (
    "data/sources.yml:17: warning: source 'cost-study' has no URL "
    "(fill it from the publication when known; never guess one)"
)
COMMIT_FILE = "(commit the file itself)"
COMMIT_FILES = "(commit the files themselves)"
OUTSIDE_FILE = f"a symlink to a file outside the repository {COMMIT_FILE}"
OUTSIDE_FOLDER = f"a symlink to a folder outside the repository {COMMIT_FILES}"
NOT_REGULAR = "not a regular file (a device or pipe; commit a YAML file)"
HARD_LINK = (
    "a hard link: the file has 2 names (git never makes hard links; commit a copy of the file)"
)
ID_HINT = "ids use lower-case letters, digits and hyphens, such as"
NAME_HINT = (
    "name a file under content/ or templates/ by a relative path without '..', "
    "such as 'partials/note.md'"
)
SERIES = """\
{sid}:
  title: Planted series
  unit: percent
  source: bench-board
  facts:
    {subject}:
      value: 1
      as_of: 2026-06-30
      verified: 2026-06-30
      status: estimate
"""


@dataclass(frozen=True)
class Scene:
    """A hub to attack, and a folder beside it holding what the attacker is after."""

    hub: Path
    outside: Path

    @property
    def secret(self) -> Path:
        """Return a file outside the hub that must never be published."""
        return self.outside / "secret.txt"


@pytest.fixture
def scene(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Scene:
    monkeypatch.setenv("KHUB_HOSTILE_MARKER", MARKER)  # lands in /proc/self/environ
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    hub = without_widgets(copy_hub(tmp_path / "hub"))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"password: {MARKER}\n", encoding="utf-8")
    (outside / "outside.md").write_text(
        f"---\ntitle: Outside\nmodule: outside\nsummary: {MARKER}\n---\n{MARKER}\n", "utf-8"
    )
    (outside / "more.yml").write_text(SERIES.format(sid="more", subject="x"), "utf-8")
    (outside / "macros.html").write_text(f"{{% macro show() %}}{MARKER}{{% endmacro %}}", "utf-8")
    return Scene(hub, outside)


def entries(root: Path) -> dict[str, str]:
    """Return every file (by hash), symlink (by target) and folder under root."""
    folders = {
        p.relative_to(root).as_posix(): "folder"
        for p in root.rglob("*")
        if p.is_dir() and not p.is_symlink()
    }
    return {**folders, **tree_digest(root)}


def refused(scene: Scene, command: str, *lines: str) -> None:
    """Run `khub COMMAND`: exit 1, exactly these lines, no traceback or secret, nothing written."""
    hub, outside = entries(scene.hub), entries(scene.outside)
    proc = run_khub(scene.hub, command, today=TODAY.isoformat())
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output
    assert MARKER not in output
    assert (proc.returncode, proc.stderr.splitlines(), proc.stdout) == (1, list(lines), "")
    assert entries(scene.hub) == hub, "khub changed the hub on failure"
    assert entries(scene.outside) == outside, "khub wrote outside the hub"


def use_in_alpha(scene: Scene, text: str) -> int:
    """Append text to the alpha module; return the line it is on."""
    path = scene.hub / CONTENT_DIR / "alpha.md"
    lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    path.write_text("\n".join([*lines, text]) + "\n", encoding="utf-8")
    return len(lines) + 1


def link(path: Path, target: Path | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


# --- reads: what the attacker reproduced, and its neighbours ------------------------------


def environ_partial(s: Scene) -> None:
    link(s.hub / "templates" / "env.html", "/proc/self/environ")
    use_in_alpha(s, '{% include "env.html" %}')


def passwd_in_content(s: Scene) -> None:
    link(s.hub / "content" / "leak.txt", "/etc/passwd")
    use_in_alpha(s, '{% include "leak.txt" %}')


def etc_folder(s: Scene) -> None:
    link(s.hub / "templates" / "etc", "/etc")
    use_in_alpha(s, "{% include 'etc/passwd' %}")


def outside_module(s: Scene) -> None:
    link(s.hub / "content" / "outside.md", s.outside / "outside.md")


def outside_folder_in_content(s: Scene) -> None:
    link(s.hub / "content" / "more", s.outside)
    use_in_alpha(s, '{% include "more/secret.txt" %}')


def imported_macros(s: Scene) -> None:
    link(s.hub / "templates" / "macros.html", s.outside / "macros.html")
    use_in_alpha(s, '{% import "macros.html" as m %}{{ m.show() }}')


def from_imported_macro(s: Scene) -> None:
    link(s.hub / "templates" / "macros.html", s.outside / "macros.html")
    use_in_alpha(s, '{% from "macros.html" import show %}{{ show() }}')


def hard_linked_partial(s: Scene) -> None:
    os.link(s.secret, s.hub / "templates" / "partials" / "secret.md")
    use_in_alpha(s, '{% include "partials/secret.md" %}')


def private_file_of_the_work_tree(s: Scene) -> None:
    (s.hub / ".env").write_text(f"TOKEN={MARKER}\n", encoding="utf-8")
    link(s.hub / "content" / "env.txt", "../.env")
    use_in_alpha(s, '{% include "env.txt" %}')


def looping_partial(s: Scene) -> None:
    link(s.hub / "templates" / "loop.html", "loop.html")
    use_in_alpha(s, '{% include "loop.html" %}')


BUILD_CASES: dict[str, tuple[Callable[[Scene], None], str]] = {
    "environ-partial": (environ_partial, f"templates/env.html: {OUTSIDE_FILE}"),
    "passwd-in-content": (passwd_in_content, f"content/leak.txt: {OUTSIDE_FILE}"),
    "etc-folder": (etc_folder, f"templates/etc: {OUTSIDE_FOLDER}"),
    "outside-module": (outside_module, f"content/outside.md: {OUTSIDE_FILE}"),
    "outside-folder-in-content": (outside_folder_in_content, f"content/more: {OUTSIDE_FOLDER}"),
    "import-symlink": (imported_macros, f"templates/macros.html: {OUTSIDE_FILE}"),
    "from-import-symlink": (from_imported_macro, f"templates/macros.html: {OUTSIDE_FILE}"),
    "hard-link": (hard_linked_partial, f"templates/partials/secret.md: {HARD_LINK}"),
    "work-tree-file": (
        private_file_of_the_work_tree,
        "content/env.txt: a symlink to a file outside content/, templates/ and data/ "
        + COMMIT_FILE,
    ),
    "symlink-loop": (looping_partial, f"templates/loop.html: a symlink loop {COMMIT_FILE}"),
}


@pytest.mark.parametrize("case", sorted(BUILD_CASES))
def test_build_refuses_a_file_that_leaves_the_hub(scene: Scene, case: str) -> None:
    plant, line = BUILD_CASES[case]
    plant(scene)
    refused(scene, "build", line)


@pytest.mark.parametrize("case", ["passwd-in-content", "outside-module", "hard-link"])
def test_generate_refuses_it_too(scene: Scene, case: str) -> None:
    plant, line = BUILD_CASES[case]
    plant(scene)
    refused(scene, "generate", line)


@pytest.mark.parametrize("case", ["passwd-in-content", "outside-module"])
def test_validate_checks_content_too(scene: Scene, case: str) -> None:
    plant, line = BUILD_CASES[case]
    plant(scene)
    refused(scene, "validate", line, WARNING)


def zero_device(s: Scene) -> None:
    link(s.hub / "data" / "facts" / "zero.yml", "/dev/zero")


def named_pipe(s: Scene) -> None:
    os.mkfifo(s.hub / "data" / "facts" / "pipe.yml")


def outside_yaml(s: Scene) -> None:
    link(s.hub / "data" / "facts" / "more.yml", s.outside / "more.yml")


def hard_linked_yaml(s: Scene) -> None:
    os.link(s.outside / "more.yml", s.hub / "data" / "facts" / "more.yml")


def dangling_yaml(s: Scene) -> None:
    link(s.hub / "data" / "facts" / "gone.yml", s.outside / "gone.yml")


def outside_edition_folder(s: Scene) -> None:
    link(s.hub / "data" / "editions", s.outside)


DATA_CASES: dict[str, tuple[Callable[[Scene], None], str]] = {
    "dev-zero": (zero_device, f"data/facts/zero.yml: {NOT_REGULAR}"),
    "fifo": (named_pipe, f"data/facts/pipe.yml: {NOT_REGULAR}"),
    "outside-yaml": (outside_yaml, f"data/facts/more.yml: {OUTSIDE_FILE}"),
    "hard-linked-yaml": (hard_linked_yaml, f"data/facts/more.yml: {HARD_LINK}"),
    "dangling-yaml": (
        dangling_yaml,
        f"data/facts/gone.yml: a symlink to a missing file {COMMIT_FILE}",
    ),
    "outside-editions": (outside_edition_folder, f"data/editions: {OUTSIDE_FOLDER}"),
}


@pytest.mark.parametrize("command", ["validate", "generate", "build"])
@pytest.mark.parametrize("case", sorted(DATA_CASES))
def test_a_data_file_that_is_no_plain_file_is_refused(
    scene: Scene, case: str, command: str
) -> None:
    plant, line = DATA_CASES[case]
    plant(scene)
    refused(scene, command, line, WARNING)


def test_every_refused_file_is_reported_in_one_run(scene: Scene) -> None:
    for case in ("dev-zero", "fifo", "outside-yaml"):
        DATA_CASES[case][0](scene)
    outside_module(scene)
    lines = [DATA_CASES[c][1] for c in ("dev-zero", "fifo", "outside-yaml")]
    refused(scene, "validate", BUILD_CASES["outside-module"][1], *sorted(lines), WARNING)


# --- the loader refuses on its own, whatever the scan of the folders missed -----------------


@pytest.mark.parametrize(
    "name", ["../data/hub.yml", "/etc/passwd", "partials\\\\note.md", "./partials/note.md"]
)
def test_a_template_name_that_could_leave_the_folders_is_refused(scene: Scene, name: str) -> None:
    line = use_in_alpha(scene, f'{{% include "{name}" %}}')
    shown = name.replace("\\\\", "\\")
    refused(
        scene,
        "build",
        f"content/alpha.md:{line}: template name '{shown}' is not allowed ({NAME_HINT})",
    )


@pytest.mark.parametrize(
    "statement",
    [
        '{% include "probe.html" %}',
        '{% import "probe.html" as m %}{{ m.show() }}',
        '{% from "probe.html" import show %}{{ show() }}',
        '{% extends "probe.html" %}',
    ],
)
def test_the_loader_itself_returns_only_contained_files(scene: Scene, statement: str) -> None:
    (scene.hub / "content" / "probe.md").write_text(statement, encoding="utf-8")
    link(scene.hub / "templates" / "probe.html", scene.outside / "macros.html")
    env = make_environment(scene.hub, None)
    with pytest.raises(UnsafePathError) as caught:
        env.get_template("probe.md").render()
    assert str(caught.value) == f"templates/probe.html: {OUTSIDE_FILE}"
    os.mkfifo(scene.hub / "templates" / "pipe.html")
    with pytest.raises(UnsafePathError) as caught:
        env.get_template("pipe.html")
    assert str(caught.value) == (
        "templates/pipe.html: not a regular file (a device or pipe; commit an HTML template)"
    )


def test_symlinks_that_stay_inside_the_hub_build(scene: Scene) -> None:
    hub = scene.hub
    link(hub / "templates" / "partials" / "alias.md", "note.md")
    beta = hub / "content" / "beta.md"
    beta.write_text(beta.read_text("utf-8").replace("partials/note.md", "partials/alias.md"))
    (hub / "data" / "shared").mkdir()
    (hub / "data" / "facts" / "costs.yml").rename(hub / "data" / "shared" / "costs.yml")
    link(hub / "data" / "facts" / "costs.yml", "../shared/costs.yml")
    outside = entries(scene.outside)
    proc = run_khub(hub, "build", today=TODAY.isoformat())
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[-1] == "built site"
    assert "Estimates" in (hub / "site" / "beta" / "index.html").read_text("utf-8")
    assert entries(scene.outside) == outside
    modules = {p.stem for p in (hub / "content").glob("*.md")}
    for folder in (hub / "build" / "docs", hub / "site"):
        tops = {p.name.split(".")[0] for p in folder.iterdir()}
        assert tops - modules <= PAGE_NAMES, f"{folder}: a top-level name is not reserved"
    factset, _ = load(hub, today=TODAY, cache=False)
    series = {p.stem for p in (hub / "build" / "docs" / "facts").glob("*.md")}
    assert series - set(factset.series) <= SERIES_PAGE_NAMES


# --- ids: one rule, checked by validate with a line, before anything becomes a path -------


def plant_series(s: Scene, sid: str, subject: str = "x") -> None:
    path = s.hub / "data" / "facts" / "planted.yml"
    path.write_text(SERIES.format(sid=sid, subject=subject), encoding="utf-8")


LONG = "a" * 300
PLANTED = "data/facts/planted.yml"


@pytest.mark.parametrize("command", ["validate", "generate", "build"])
def test_a_series_id_cannot_write_outside(scene: Scene, command: str) -> None:
    plant_series(scene, "../../../../outside/PWNED")  # from build/docs/facts to the folder beside
    refused(
        scene,
        command,
        f"{PLANTED}:1: series '../../../../outside/PWNED' is not a valid id "
        f"({ID_HINT} 'outside-pwned')",
        WARNING,
    )
    assert not (scene.outside / "PWNED.md").exists()


ID_CASES: dict[str, tuple[Callable[[Scene], None], str]] = {
    "long-series": (
        lambda s: plant_series(s, LONG),
        f"{PLANTED}:1: series '{'a' * 55}...' is too long for an id (300 characters) "
        f"(an id has at most {MAX_ID_LENGTH} characters; shorten it)",
    ),
    "long-subject": (
        lambda s: plant_series(s, "planted", "b" * 65),
        f"{PLANTED}:6: '{'b' * 55}...' is too long for an id (65 characters) "
        f"(an id has at most {MAX_ID_LENGTH} characters; shorten it)",
    ),
    "series-index": (
        lambda s: plant_series(s, "index"),
        f"{PLANTED}:1: series id 'index' is reserved: facts/index.md is a page of its own "
        "(rename the series)",
    ),
    "series-derived": (
        lambda s: plant_series(s, "derived"),
        f"{PLANTED}:1: series id 'derived' is reserved: facts/derived.md is a page of its own "
        "(rename the series)",
    ),
    "absolute-series": (
        lambda s: plant_series(s, "/tmp/pwned"),
        f"{PLANTED}:1: series '/tmp/pwned' is not a valid id ({ID_HINT} 'tmp-pwned')",
    ),
}


@pytest.mark.parametrize("case", sorted(ID_CASES))
def test_a_bad_or_reserved_series_id_is_located(scene: Scene, case: str) -> None:
    plant, line = ID_CASES[case]
    plant(scene)
    refused(scene, "validate", line, WARNING)


def plant_module(s: Scene, name: str) -> None:
    text = f"---\ntitle: Planted\nmodule: {name}\nsummary: A planted module.\n---\nText.\n"
    (s.hub / "content" / f"{name}.md").write_text(text, encoding="utf-8")


RESERVED_HINT = f"rename the file and its 'module:'; reserved: {', '.join(sorted(PAGE_NAMES))}"


@pytest.mark.parametrize("name", sorted(PAGE_NAMES))
def test_a_module_cannot_take_a_page_of_the_site(scene: Scene, name: str) -> None:
    plant_module(scene, name)
    line = f"content/{name}.md:3: module name '{name}' is reserved for a page or folder of the site"
    refused(scene, "validate", f"{line} ({RESERVED_HINT})", WARNING)


@pytest.mark.parametrize("command", ["validate", "generate"])
def test_a_module_name_breaking_the_id_rule_is_located(scene: Scene, command: str) -> None:
    plant_module(scene, "Big_Name")
    plant_module(scene, "index")
    refused(
        scene,
        command,
        f"content/Big_Name.md:3: module 'Big_Name' is not a valid id ({ID_HINT} 'big-name')",
        f"content/index.md:3: module name 'index' is reserved for a page or folder of the site "
        f"({RESERVED_HINT})",
        *([WARNING] if command == "validate" else []),
    )


def test_a_source_id_breaking_the_rule_is_located(scene: Scene) -> None:
    path = scene.hub / "data" / "sources.yml"
    text = path.read_text("utf-8")
    path.write_text(
        text + '"Evil Source":\n  title: x\n  publisher: y\n  kind: other\n  url: null\n'
    )
    line = len(text.splitlines()) + 1
    refused(
        scene,
        "validate",
        f"data/sources.yml:{line}: source 'Evil Source' is not a valid id "
        f"({ID_HINT} 'evil-source')",
        WARNING,
    )


# --- writes: only into real folders that khub makes itself -------------------------------


def test_a_build_symlink_out_of_the_hub_is_refused(scene: Scene) -> None:
    (scene.outside / "docs").mkdir()
    (scene.outside / "docs" / "keep.md").write_text("a stale file generate would delete\n")
    link(scene.hub / "build", scene.outside)
    refused(
        scene,
        "generate",
        "build: a symlink where khub writes its output "
        "(remove it; khub writes only into folders it makes itself)",
    )


def test_a_symlinked_folder_inside_build_docs_is_refused(scene: Scene) -> None:
    (scene.hub / "build" / "docs").mkdir(parents=True)
    (scene.outside / "index.md").write_text("a stale file generate would delete\n")
    link(scene.hub / "build" / "docs" / "facts", scene.outside)
    refused(
        scene,
        "generate",
        "build/docs/facts: a symlink where khub writes its output "
        "(remove it; khub writes only into folders it makes itself)",
    )


def test_a_site_symlink_is_refused_before_anything_is_built(scene: Scene) -> None:
    link(scene.hub / "site", scene.outside)
    refused(
        scene,
        "build",
        "site: a symlink where khub writes its output "
        "(remove it; khub writes only into folders it makes itself)",
    )


def test_stale_symlinks_in_build_docs_are_removed_not_followed(scene: Scene) -> None:
    docs = scene.hub / "build" / "docs"
    docs.mkdir(parents=True)
    link(docs / "old.md", scene.secret)
    link(docs / "old-folder", scene.outside)
    outside = entries(scene.outside)
    proc = run_khub(scene.hub, "generate", today=TODAY.isoformat())
    assert proc.returncode == 0, proc.stderr
    assert not os.path.lexists(docs / "old.md") and not os.path.lexists(docs / "old-folder")
    assert entries(scene.outside) == outside


@pytest.mark.parametrize(
    ("rel", "fault"),
    [
        ("../escape.md", "holds '..', '.' or an empty name"),
        ("facts/../../escape.md", "holds '..', '.' or an empty name"),
        ("/tmp/escape.md", "is absolute"),
        ("facts\\escape.md", "holds a backslash or a NUL"),
        (f"facts/{'x' * 300}.md", "holds a name longer than 255 bytes"),
    ],
)
def test_write_tree_writes_nothing_when_one_path_leaves(
    tmp_path: Path, rel: str, fault: str
) -> None:
    out = tmp_path / "build" / "docs"
    with pytest.raises(UnsafePathError) as caught:
        write_tree(out, {"index.md": b"home\n", rel: b"planted\n"}, "build/docs")
    shown = repr(rel if len(rel) <= 58 else rel[:55] + "...")
    assert str(caught.value) == (
        f"build/docs: khub would write {shown}, a path that {fault} "
        "(it must stay inside build/docs; an id or name in the input leaves it)"
    )
    assert list(tmp_path.rglob("*")) == []
