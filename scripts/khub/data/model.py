"""Typed records of the hub: what the data files hold and what loading makes of them."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints, field_validator

from khub.check.spec import CheckField, CheckSpec
from khub.data.ids import ID_PATTERN, MAX_ID_LENGTH
from khub.errors import shown
from khub.units import UNITS, Unit

Status = Literal["official", "vendor-reported", "independent", "estimate"]
SourceKind = Literal[
    "leaderboard",
    "licence",
    "release",
    "research",
    "analysis",
    "paper",
    "pricing",
    "survey",
    "documentation",
    "news",
    "other",
]
Slug = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=MAX_ID_LENGTH)]
# A whole number of days, at least 1: `true` or `45.0` is refused, not read as 1 or 45.
Days = Annotated[int, Strict(), Field(ge=1)]

STATUSES: tuple[str, ...] = ("official", "vendor-reported", "independent", "estimate")


class Record(BaseModel):
    """Base of every record read from a data file: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Range(Record):
    """A value known only as a range, such as 3–5×."""

    low: float
    high: float

    def __str__(self) -> str:
        """Return the range as a message shows it: 3–5."""
        return f"{shown(self.low)}–{shown(self.high)}"


class Licence(Record):
    """A licence: SPDX id (or LicenseRef-…), its name and the hub's tier for it."""

    id: str = Field(description="SPDX identifier, or LicenseRef-… where SPDX has none")
    name: str
    tier: str

    def __str__(self) -> str:
        """Return the licence as a message shows it: its id."""
        return self.id


Value = Annotated[
    float | Range | Licence | str | None,
    Field(description="a number, {low, high}, a licence, text, an ISO date, or null if unknown"),
]


class Bounds(Record):
    """Sanity bounds: a value outside them is refused, typed or fetched."""

    min: float | None = None
    max: float | None = None


class HistoryEntry(Record):
    """A past value and the period it was true."""

    value: Value
    from_: dt.date = Field(alias="from")
    to: dt.date
    source: str | None = None
    note: str | None = None

    @field_validator("value", mode="before")
    @classmethod
    def _no_bool(cls, value: Any) -> Any:
        return _refuse_bool(value)


class Reference(Record):
    """One source's word on a fact: the value it states (or that it states none), and when."""

    source: str = Field(description="id of a source in data/sources.yml")
    states: Value = Field(description="the value the source states, in the fact's unit; null: none")
    does_not_state: bool = Field(
        default=False, description="true: the source was read and does not state the value"
    )
    relays: bool = Field(
        default=False,
        description="true: the source repeats the vendor's figure (a price list, a news report)",
    )
    reads: Value = Field(
        default=None,
        description="what the check reads, when not the fact's value (an input, a clause)",
    )
    retrieved: dt.date | None = Field(default=None, description="when the source was read")
    commit: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{7,40}$", description="git commit of the file read"
    )
    locator: str | None = Field(default=None, description="where in the source: a section, a row")
    check: CheckField = Field(default=None, description="how the re-check reads this source")
    note: str | None = None

    @field_validator("states", "reads", mode="before")
    @classmethod
    def _no_bool(cls, value: Any) -> Any:
        return _refuse_bool(value)


class FactRecord(Record):
    """One fact as an editor writes it."""

    value: Value
    label: str | None = None
    unit: str | None = Field(
        default=None,
        description="overrides the series unit",
        json_schema_extra={"enum": [*UNITS, None]},
    )
    as_of: dt.date = Field(description="when the value was true or reported")
    verified: dt.date = Field(description="when a check or an editor last confirmed it")
    status: Status
    source: str | None = Field(default=None, description="overrides the series source")
    note: str | None = None
    decimals: int | None = Field(default=None, ge=0, le=6)
    bounds: Bounds | None = None
    check: CheckField = Field(default=None, description="how the re-check finds it")
    history: list[HistoryEntry] = Field(default_factory=list)
    vendor: str | None = Field(default=None, description="overrides the series vendor")
    references: list[Reference] = Field(
        default_factory=list, description="what each source consulted states"
    )

    @field_validator("value", mode="before")
    @classmethod
    def _no_bool(cls, value: Any) -> Any:
        return _refuse_bool(value)


def _refuse_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("yes/no/true/false is not a value here; quote it for text")
    return value


class Series(Record):
    """One measurement over many subjects; its facts share unit and source by default."""

    title: str
    unit: str = Field(json_schema_extra={"enum": list(UNITS)})
    source: str | None = None
    description: str | None = None
    decimals: int | None = Field(default=None, ge=0, le=6)
    bounds: Bounds | None = None
    choices: list[str] | None = Field(default=None, description="allowed enum values or tiers")
    max_jump: float | None = Field(
        default=None, gt=0, description="how far a re-check may move its facts' values (share)"
    )
    vendor: str | dict[Slug, str] | None = Field(
        default=None,
        description="who makes the subject (a source org): one for all facts, or per subject",
    )
    stale_after_days: Days | None = Field(
        default=None,
        description="days after `verified` when this series' facts count as stale "
        "(default: stale_after_days in data/hub.yml)",
    )
    facts: dict[Slug, FactRecord]


class Source(Record):
    """A citation."""

    title: str
    publisher: str
    kind: SourceKind
    url: str | None = Field(description="null when unknown: never invent one")
    org: Slug | None = Field(
        default=None,
        description="id of the publishing organisation, compared with a fact's vendor "
        "(default: the publisher in lower case, spaces as dashes)",
    )
    identifiers: dict[str, str] = Field(default_factory=dict)
    accessed: dt.date | None = None
    note: str | None = None

    @property
    def org_id(self) -> str:
        """Return the organisation id that stands for the publisher."""
        return self.org or "-".join(self.publisher.lower().split())

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("https://", "http://")):
            raise ValueError("a URL starts with https:// or http://")
        return url


class DerivedRecord(Record):
    """A fact computed from other facts by a formula."""

    title: str
    unit: str = Field(json_schema_extra={"enum": list(UNITS)})
    formula: str
    decimals: int | None = Field(default=None, ge=0, le=6)
    note: str | None = None


class ClaimRecord(Record):
    """A sentence the prose relies on, and the condition under which it holds."""

    says: str
    holds_when: str


class DerivedFile(Record):
    """data/derived.yml."""

    derived: dict[Slug, DerivedRecord] = Field(default_factory=dict)
    claims: dict[Slug, ClaimRecord] = Field(default_factory=dict)


# --- what loading makes of the records -------------------------------------------------

NumberOrRange = float | Range


@dataclass(frozen=True)
class Fact:
    """A fact as the pipeline sees it: resolved unit and source, located in its file.

    The live shape every stage reads. What of it an edition freezes is a FrozenFact
    (khub.data.serialize.freeze), without the file, series, note, decimals, bounds, check
    or history.
    """

    id: str
    label: str
    unit: Unit
    value: float | Range | Licence | str | None
    as_of: dt.date
    verified: dt.date
    status: str
    source: str | None
    file: str
    series: str | None = None
    note: str | None = None
    decimals: int | None = None
    bounds: Bounds | None = None
    check: CheckSpec | None = None
    history: tuple[HistoryEntry, ...] = ()
    formula: str | None = None
    inputs: tuple[str, ...] = ()
    vendor: str | None = None
    references: tuple[Reference, ...] = ()
    # The series' stale_after_days; None: the hub's default (data/hub.yml).
    stale_after_days: int | None = None
    # Of a derived fact: (verified, stale_after_days) of every typed-in fact it is computed
    # from, through derived inputs too; it is stale when any of them is.
    basis: tuple[tuple[dt.date, int | None], ...] = ()

    @functools.cached_property
    def record_digest(self) -> str:
        """Return the sha256 of the fact's every field (its repr), worked out once per object.

        The fact is frozen, so the digest stays true; a process that keeps its facts between
        loads (khub.data.memo) computes it once per fact.
        """
        return hashlib.sha256(repr(self).encode("utf-8")).hexdigest()

    @property
    def derived(self) -> bool:
        """Return True when the fact is computed by a formula."""
        return self.formula is not None

    def checks(self) -> tuple[tuple[dt.date, int | None], ...]:
        """Return the (verified, stale_after_days) pairs the fact's freshness rests on."""
        return self.basis if self.derived else ((self.verified, self.stale_after_days),)

    def is_stale(self, today: dt.date, default_days: int) -> bool:
        """Return True when a check it rests on is older than its series allows."""
        return any(
            (today - verified).days > (days or default_days) for verified, days in self.checks()
        )


JsonValue = float | str | dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class FrozenFact:
    """A fact as it stood at one moment, in plain data: one entry of an edition's facts.

    The one shape of a fact's state outside the live data: snapshots of the working data,
    of a git revision and of an edition all hold FrozenFacts, diffs compare them, reports
    show them. The value is JSON data and the dates ISO text, so two are equal exactly when
    an edition would store the same entry (khub.data.serialize.frozen_data writes it;
    khub.editions.store.FrozenFactRecord validates it in a file).
    """

    value: JsonValue
    unit: str
    as_of: str
    verified: str
    status: str
    source: str | None
    label: str = ""
    formula: str | None = None
    inputs: tuple[str, ...] = ()

    @property
    def derived(self) -> bool:
        """Return True when the fact is computed by a formula."""
        return self.formula is not None


@dataclass(frozen=True)
class Claim:
    """A claim with its evaluated state."""

    id: str
    says: str
    holds_when: str
    holds: bool | None
    facts: tuple[str, ...] = ()


@dataclass
class FactSet:
    """Everything in data/, validated: facts, series, sources, claims."""

    root: str
    facts: dict[str, Fact] = field(default_factory=dict)
    series: dict[str, Series] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    claims: dict[str, Claim] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    # from data/check-state.yml and data/dismissals.yml (khub.check.state, .dismissals)
    failing_since: dict[str, dt.date] = field(default_factory=dict)  # fact id → first failure
    dismissed: dict[str, str] = field(default_factory=dict)  # fact id → who, when and why

    def series_facts(self, series_id: str) -> list[Fact]:
        """Return the facts of one series in file order."""
        prefix = f"{series_id}."
        return [f for f in self.facts.values() if f.series and f.id.startswith(prefix)]

    def false_claims(self) -> list[Claim]:
        """Return the claims that no longer hold."""
        return [c for c in self.claims.values() if c.holds is False]
