"""Escape data for the places it lands in generated Markdown: text, attributes, URLs, JSON."""

from __future__ import annotations

import json
import re
import string
from typing import Any
from urllib.parse import quote

_TEXT_SAFE = frozenset(string.ascii_letters + string.digits + " ,.:;/?'()%-=@\"$+")
_ATTR_SAFE = frozenset(string.ascii_letters + string.digits + " ,.:;/?()%-=@$+")
_SPACE = re.compile(r"\s+")
_URL_SAFE = "/:?#@!$&+,;=%-._~"


def _table(safe: frozenset[str]) -> dict[int, str]:
    return {code: f"&#{code};" for code in range(128) if chr(code) not in safe}


_TEXT_TABLE = _table(_TEXT_SAFE)
_ATTR_TABLE = _table(_ATTR_SAFE)


def _encode(text: str, table: dict[int, str]) -> str:
    return _SPACE.sub(" ", text).translate(table)


def md_text(text: str) -> str:
    """Return text that Markdown shows literally, inline: no markup, no HTML, one line."""
    return _encode(text, _TEXT_TABLE)


def md_attr(text: str) -> str:
    """Return text safe inside a double-quoted attribute of an attr_list or an HTML tag."""
    return _encode(text, _ATTR_TABLE)


def md_url(url: str) -> str:
    """Return a URL safe as a Markdown link destination: quotes, spaces, brackets encoded."""
    return quote(url, safe=_URL_SAFE)


def md_link(text: str, url: str) -> str:
    """Return a Markdown link whose text and destination are both inert."""
    return f"[{md_text(text)}]({md_url(url)})"


def json_bytes(data: Any) -> bytes:
    """Return stable, compact JSON (sorted keys) with <, > and & escaped for HTML embedding."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (text + "\n").encode("utf-8")
