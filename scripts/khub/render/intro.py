"""Place a block after a module's opening paragraph, so the reader meets the introduction first.

The rule, on the Markdown of a rendered module body: front matter is skipped; the block goes
after the first paragraph that comes before any heading (an admonition, a list, a table or
a fenced block before it is passed over, and so are their indented and lazy lines); a body
that opens with a heading, or holds no paragraph before one, or holds nothing, gets the
block at its top. A paragraph ends at a blank line or where a heading, a list, a fence, an
admonition or an HTML block interrupts it.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}#{1,6}(\s|$)")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_BLOCK = re.compile(
    r"^ {0,3}("
    r"[-*+]\s|\d{1,9}[.)]\s"  # list items
    r"|!!!|\?\?\?|///|:::"  # admonitions, details and other fenced containers
    r"|<|\||>"  # HTML, tables, quotes
    r"|\[\^[^\]]+\]:|\[[^\]]+\]:\s"  # footnote and link definitions
    r"|(\*\s*){3,}$|(-\s*){3,}$|(_\s*){3,}$"  # thematic breaks
    r")"
)


def after_intro(body: str, block: str) -> str:
    """Return body with block placed after its opening paragraph (see the module's rule)."""
    block = block.strip("\n")
    if not block:
        return body
    lines = body.split("\n")
    start = _after_front_matter(lines)
    end = _intro_end(lines, start)
    at = start if end is None else end
    head = "\n".join(lines[:at]).rstrip("\n")
    tail = "\n".join(lines[at:]).strip("\n")
    return "\n\n".join(part for part in (head, block, tail) if part) + "\n"


def _after_front_matter(lines: list[str]) -> int:
    """Return the index of the first line after a leading `---` front matter block, or 0."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return i + 1
    return 0  # an unclosed fence is not front matter


def _intro_end(lines: list[str], start: int) -> int | None:
    """Return the index just past the opening paragraph, or None when there is none."""
    fence: str | None = None
    in_block = False  # inside a non-paragraph block, until the next blank line
    for i in range(start, len(lines)):
        line = lines[i]
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            continue
        if not line.strip():
            in_block = False
            continue
        opened = _FENCE.match(line)
        if opened:
            fence = opened.group(1)
            continue
        if _HEADING.match(line):
            return None
        if in_block or line.startswith(("    ", "\t")) or _BLOCK.match(line):
            in_block = True
            continue
        return _paragraph_end(lines, i)
    return None


def _paragraph_end(lines: list[str], first: int) -> int | None:
    """Return the index past the paragraph opening at first; None when it is a setext heading."""
    for j in range(first + 1, len(lines)):
        line = lines[j]
        if not line.strip():
            return j
        if _SETEXT.match(line):
            return None
        if _HEADING.match(line) or _FENCE.match(line) or _BLOCK.match(line):
            return j
    return len(lines)
