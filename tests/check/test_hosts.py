"""`khub validate` warns when a check reads another host than the source the fact cites."""

from __future__ import annotations

from pathlib import Path

import pytest

from khub.data.hosts import same_publisher
from tests.kit.checkhub import TODAY as CHECK_TODAY
from tests.kit.cli import invoke_khub
from tests.kit.hubs import copy_hub


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    return copy_hub(tmp_path / "hub")


def _add_check(root: Path, url: str) -> None:
    bench = root / "data/facts/bench.yml"
    text = bench.read_text(encoding="utf-8").replace(
        "      note: Reported by the vendor",
        f"      check: {{url: '{url}', manual: true}}\n      note: Reported by the vendor",
    )
    bench.write_text(text, encoding="utf-8")


def _source_host(root: Path) -> str:
    text = (root / "data/sources.yml").read_text(encoding="utf-8")
    block = text.split("bench-board:", 1)[1]
    url = next(ln.split("url:", 1)[1].strip() for ln in block.splitlines() if "url:" in ln)
    return url.split("/")[2]


def test_a_check_on_another_host_is_a_located_warning(hub: Path) -> None:
    _add_check(hub, "https://mirror.example.net/board")
    cited = _source_host(hub).removeprefix("www.")
    result = invoke_khub(hub, ["validate"], today=CHECK_TODAY)
    assert result.exit_code == 0
    lines = (hub / "data/facts/bench.yml").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "mirror.example.net" in text)
    assert (
        f"data/facts/bench.yml:{line}: warning: bench-score.model-b: check URL is on "
        f"mirror.example.net, the cited source 'bench-board' on {cited} (check the page the "
        "source cites, or cite the source the check reads)"
    ) in result.stderr.splitlines()


def test_a_check_on_the_sources_host_or_a_subdomain_is_quiet(hub: Path) -> None:
    _add_check(hub, f"https://data.{_source_host(hub).removeprefix('www.')}/board.json")
    result = invoke_khub(hub, ["validate"], today=CHECK_TODAY)
    assert result.exit_code == 0
    assert "check URL is on" not in result.stderr


def test_same_publisher() -> None:
    assert same_publisher("docs.vendor.com", "vendor.com")
    assert not same_publisher("evilvendor.com", "vendor.com")
