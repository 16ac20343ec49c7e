"""Both caches (validate's outcome, generate's rendered pages) are keyed on every khub module."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

import khub
from khub.data import load, validate_cache
from khub.disk import cachedir
from khub.render import manifest
from khub.site import generate
from tests.data.kit import case_hub
from tests.kit.hubs import copy_hub

PACKAGE = Path(khub.__file__).resolve().parent
MODULES = sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py"))


def test_touching_any_module_changes_the_code_fingerprint(tmp_path: Path) -> None:
    package = tmp_path / "khub"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    seen = {cachedir.code_fingerprint(package)}
    for rel in MODULES:
        module = package / rel
        module.write_bytes(module.read_bytes() + b"\n# touched\n")
        seen.add(cachedir.code_fingerprint(package))
    assert len(seen) == len(MODULES) + 1  # every touch gave a new key
    assert len(MODULES) > 40 and "check/extract/json.py" in MODULES


def test_the_validate_key_follows_the_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hub, today = case_hub(tmp_path / "hub"), dt.date(2026, 11, 24)
    before = validate_cache._key(hub, today)
    monkeypatch.setattr(validate_cache, "code_fingerprint", lambda: "other code")
    assert validate_cache._key(hub, today) != before


def test_the_render_cache_follows_the_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = copy_hub(tmp_path / "hub")
    factset, _ = load.load(hub)
    first = generate.generate(hub, factset)
    again = generate.generate(hub, factset)
    monkeypatch.setattr(manifest, "code_fingerprint", lambda: "other code")
    after_change = generate.generate(hub, factset)

    assert first.rendered and not again.rendered and again.reused == first.rendered
    assert after_change.rendered == first.rendered
