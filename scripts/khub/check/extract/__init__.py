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

Each method module (``html``, ``table``, ``json``, ``text`` …) documents its options in
its docstring and defines ``KIND`` (what content it needs: html, json or text),
``validate_spec(spec) -> list[str]`` and ``extract(spec, fetched) -> Extraction``.
Adding a method is adding such a module to this package.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from functools import cache
from typing import Protocol, cast
from urllib.parse import urlsplit

from khub.check.extract._shared import (
    ExtractError,
    Extraction,
    NotFound,
    Spec,
    SpecError,
    require_valid,
)
from khub.check.http import FetchResult, Kind

__all__ = [
    "ExtractError",
    "Extraction",
    "Method",
    "NotFound",
    "SpecError",
    "describe",
    "extract",
    "is_manual",
    "kind_of",
    "method_name",
    "methods",
    "validate_spec",
]

MANUAL_OPTIONS = frozenset({"url", "manual"})


class Method(Protocol):
    """What a method module provides."""

    KIND: Kind

    def validate_spec(self, spec: Spec) -> list[str]:
        """Return a message for each problem in `spec`."""

    def extract(self, spec: Spec, fetched: FetchResult) -> Extraction:
        """Return the value `spec` points at in `fetched`."""


@cache
def method_names() -> tuple[str, ...]:
    """Return the name of every method module of this package, without importing them."""
    return tuple(
        sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    )


@cache
def method(name: str) -> Method:
    """Return one method module, imported on first use (HTML parsing costs 0.2 s to load)."""
    return cast(Method, importlib.import_module(f"{__name__}.{name}"))


def methods() -> Mapping[str, Method]:
    """Return every method module of this package, by name."""
    return {name: method(name) for name in method_names()}


def is_manual(spec: Spec) -> bool:
    """Return whether `spec` asks for no extraction (`manual: true`)."""
    return spec.get("manual") is True


def method_name(spec: Spec) -> str:
    """Return the name of the one method `spec` uses; raise SpecError otherwise."""
    require_valid(spec, _method_problems)
    if is_manual(spec):
        raise SpecError("a manual check uses no method")
    return next(name for name in method_names() if name in spec)


def kind_of(spec: Spec) -> Kind:
    """Return what content `spec` needs from its URL (`any` for a manual check)."""
    return "any" if is_manual(spec) else method(method_name(spec)).KIND


def validate_spec(spec: object) -> list[str]:
    """Return a message for each problem in a `check` block (empty when it is valid)."""
    if not isinstance(spec, Mapping):
        return [f"check must be a mapping with 'url' and a method, got {type(spec).__name__}"]
    problems = [*_url_problems(spec), *_method_problems(spec)]
    if problems:
        return problems
    if is_manual(spec):
        extra = sorted(set(spec) - MANUAL_OPTIONS)
        return [
            f"manual: unknown option {key!r} (a manual check takes only 'url')" for key in extra
        ]
    return method(method_name(spec)).validate_spec(spec)


def extract(spec: Spec, fetched: FetchResult) -> Extraction:
    """Return the value `spec` points at in `fetched`, using the method it names."""
    if is_manual(spec):
        raise SpecError("a manual check has no value to extract; compare the page's sha256")
    return method(method_name(spec)).extract(spec, fetched)


def describe(name: str) -> str:
    """Return the documentation of method `name` (its module docstring)."""
    return (method(name).__doc__ or "").strip()


def _url_problems(spec: Spec) -> list[str]:
    url = spec.get("url")
    if not isinstance(url, str) or not url.strip():
        return ["check.url is required: the page or file the value is read from"]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return [f"check.url {url!r} must be an http:// or https:// URL"]
    return []


def _method_problems(spec: Spec) -> list[str]:
    named = [name for name in method_names() if name in spec]
    choices = ", ".join(method_names())
    if "manual" in spec and not isinstance(spec["manual"], bool):
        return [f"'manual' must be true or false, got {spec['manual']!r}"]
    if is_manual(spec):
        return [f"manual: true and {named[0]!r} both given; use one"] if named else []
    if not named:
        return [f"check needs one method ({choices}) or manual: true"]
    if len(named) > 1:
        return [f"check names {len(named)} methods ({', '.join(named)}); use one"]
    return []
