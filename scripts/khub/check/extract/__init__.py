"""Extraction methods of the re-check: one module per method, found by its name.

A fact's ``check`` block gives its ``url`` and names its method by key; the key's value
is the method's main argument and the method's other options sit beside it::

    check:
      url: https://example.org/leaderboard.json
      json: "leaderboards[?name=='Verified'] | [0].results[?name=='Claude Opus 4.8'] | [0].resolved"

    check:
      url: https://example.org/pricing
      html: "#opus .price-input"
      regex: "\\$([0-9.]+)"

    check:
      url: https://example.org/paper
      manual: true        # no extractor: the link is checked and the page's sha256 compared

Each method module (``html``, ``table``, ``json``, ``text``, ``xml``, ``yaml``) documents
its options in its docstring and defines ``KIND`` (what content it needs: html, json,
text, or any for the XML and YAML methods, which parse the raw bytes) and
``extract(spec, fetched) -> Extraction``, where ``spec`` is the method's typed model from
``khub.check.spec``: the loader validated it, so extraction never parses the block again.
Every method also takes ``max_jump`` and ``group`` (see ``khub check --help``). Adding a
method is adding its model to ``khub.check.spec`` and its module to this package.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import cache
from typing import Protocol, cast

from khub.check.extract._shared import (
    Ambiguous,
    ExtractError,
    Extraction,
    NotFound,
    SpecError,
)
from khub.check.http import FetchResult, Kind
from khub.check.spec import EXTRACTING, CheckSpec, ManualCheck, ValueCheck

__all__ = [
    "Ambiguous",
    "ExtractError",
    "Extraction",
    "Method",
    "NotFound",
    "SpecError",
    "describe",
    "extract",
    "is_manual",
    "kind_of",
    "method",
    "methods",
]


class Method(Protocol):
    """What a method module provides."""

    KIND: Kind

    def extract(self, spec: ValueCheck, fetched: FetchResult) -> Extraction:
        """Return the value `spec` points at in `fetched`."""


@cache
def method(name: str) -> Method:
    """Return one method module, imported on first use (HTML parsing costs 0.2 s to load)."""
    return cast(Method, importlib.import_module(f"{__name__}.{name}"))


def methods() -> Mapping[str, Method]:
    """Return every method module of this package, by name."""
    return {name: method(name) for name in EXTRACTING}


def is_manual(spec: CheckSpec) -> bool:
    """Return whether `spec` asks for no extraction (`manual: true`)."""
    return isinstance(spec, ManualCheck)


def kind_of(spec: CheckSpec) -> Kind:
    """Return what content `spec` needs from its URL (`any` for a manual check)."""
    return "any" if isinstance(spec, ManualCheck) else method(spec.method).KIND


def extract(spec: CheckSpec, fetched: FetchResult) -> Extraction:
    """Return the value `spec` points at in `fetched`, using the method it names."""
    if isinstance(spec, ManualCheck):
        raise SpecError("a manual check has no value to extract; compare the page's sha256")
    return method(spec.method).extract(spec, fetched)


def describe(name: str) -> str:
    """Return the documentation of method `name` (its module docstring)."""
    return (method(name).__doc__ or "").strip()
