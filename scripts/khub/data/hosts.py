"""Warn when a fact's check reads a page on another host than the source it cites.

A check that reads `https://mirror.example.net/prices` for a fact citing
`https://vendor.example.com/pricing` verifies the value against a page the reader is not
pointed to. The same host, `www.` aside, or one host inside the other
(`docs.vendor.com` and `vendor.com`) is taken as the same publisher.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from khub.data.model import Fact, FactSet
from khub.data.problems import ProblemLog


def host_of(url: str) -> str:
    """Return the host of `url`, lower case, without a leading `www.`; '' when it has none."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host.removeprefix("www.")


def same_publisher(a: str, b: str) -> bool:
    """Return whether two hosts are the same, or one is a subdomain of the other."""
    return a == b or a.endswith(f".{b}") or b.endswith(f".{a}")


def warn_check_hosts(factset: FactSet, log: ProblemLog) -> None:
    """Log a warning for every check URL whose host is not its cited source's host."""
    for fact in factset.facts.values():
        source = factset.sources.get(fact.source or "")
        if fact.check is None or source is None or not source.url:
            continue
        checked, cited = host_of(fact.check.url), host_of(source.url)
        if checked and cited and not same_publisher(checked, cited):
            log.warn(
                fact.file,
                (*_keypath(fact), "check", "url"),
                f"{fact.id}: check URL is on {checked}, the cited source '{fact.source}' "
                f"on {cited}",
                "check the page the source cites, or cite the source the check reads",
            )


def _keypath(fact: Fact) -> tuple[str, ...]:
    subject = fact.id[len(fact.series) + 1 :] if fact.series else fact.id
    return (fact.series or "", "facts", subject)
