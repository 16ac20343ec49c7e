"""Helpers of the rendering tests: copy the small fixture hub, write modules."""

from __future__ import annotations

from pathlib import Path

from hubsmall import FIXTURE, REPO, TODAY, copy_hub

__all__ = ["FIXTURE", "REPO", "TODAY", "copy_hub"]


def write_module(hub: Path, name: str, body: str, title: str = "Test module") -> Path:
    """Write content/<name>.md with front matter and body; return its path."""
    path = hub / "content" / f"{name}.md"
    head = f"---\ntitle: {title}\nmodule: {name}\nsummary: A test module.\n---\n"
    path.write_text(head + body, encoding="utf-8")
    return path
