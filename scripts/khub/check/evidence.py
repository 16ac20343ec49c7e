"""Evidence: what a re-check result rests on, and its JSON form (the report's contract).

The same dataclass is written by `khub check` into check-report.json and read back by
`khub accept`, `khub dismiss` and the edition report (khub.editions.pr_report), so its
JSON form is defined once, here: `to_json` and `from_json` are inverse functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from khub.errors import UsageError


@dataclass(frozen=True)
class Evidence:
    """Where the source was found, when, and what it said."""

    url: str
    final_url: str
    status: int | None
    fetched_at: dt.datetime
    sha256: str | None
    excerpt: str = ""
    locator: str = ""
    from_cache: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return the evidence as JSON-ready data (the report's `evidence` object)."""
        return {
            "url": self.url,
            "final_url": self.final_url,
            "status": self.status,
            "fetched_at": self.fetched_at.isoformat(timespec="seconds"),
            "sha256": self.sha256,
            "excerpt": self.excerpt,
            "locator": self.locator,
            "from_cache": self.from_cache,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Evidence:
        """Return the evidence `to_json` wrote; raise UsageError for anything else."""
        try:
            url = _text(data, "url")
            fetched = dt.datetime.fromisoformat(_text(data, "fetched_at"))
            status = data.get("status")
            sha = data.get("sha256")
            if status is not None and (isinstance(status, bool) or not isinstance(status, int)):
                raise ValueError("'status' is not a number")
            if sha is not None and not isinstance(sha, str):
                raise ValueError("'sha256' is not text")
            return cls(
                url=url,
                final_url=str(data.get("final_url") or url),
                status=status,
                fetched_at=fetched if fetched.tzinfo else fetched.replace(tzinfo=dt.UTC),
                sha256=sha,
                excerpt=str(data.get("excerpt") or ""),
                locator=str(data.get("locator") or ""),
                from_cache=bool(data.get("from_cache", False)),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise UsageError(f"evidence is not in the report's form: {error}") from None


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise ValueError(f"{key!r} is not text")
    return value
