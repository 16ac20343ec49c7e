"""The `check:` block of a fact, typed: one model per extraction method, named by its key.

A block gives the ``url`` and names one method by its key (``html``, ``table``, ``json``,
``text``, ``xml``, ``yaml``) or says ``manual: true``; the method's options sit beside it.
The models are a union discriminated by that key (`CheckSpec`); the JSON Schema of the
data files holds it, and each extraction module (``khub.check.extract.<method>``) reads
its own model.

`parse_check` turns a block as written into its model, or raises CheckSpecError with every
problem at its key: a misspelt key, a missing ``url``, an unknown ``convert``, or a regular
expression, JMESPath expression or CSS selector that does not compile. The loader calls it
for each fact (`CheckField`), so ``khub validate`` reports them before anything is fetched.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, Union, cast
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    StringConstraints,
    Tag,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from khub.check.numbers import CONVERSIONS
from khub.data.record_errors import PROBLEM
from khub.errors import shown

Loc = tuple[str | int, ...]

_BAD = "check_value"  # a value that has the right type but does not work (ctx: message, hint)
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


# --- values that must compile --------------------------------------------------------------


def _bad(message: str, hint: str = "") -> PydanticCustomError:
    return PydanticCustomError(_BAD, "{message}", {"message": message, "hint": hint})


def _http_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _bad(
            f"expected an http:// or https:// address, got {shown(url)}",
            "write the full address of the page, starting with https://",
        )
    return url


def _regex(pattern: str, written: str | None = None) -> str:
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError) as error:
        raise _bad(
            f"bad regular expression {shown(written or pattern)} ({_first_line(error)})",
            "escape a literal ( ) [ ] . $ + ? * with a backslash",
        ) from None
    return pattern


def _selector(selector: str) -> str:
    import soupsieve  # 0.1 s to import: only hubs with CSS selectors pay for it

    try:
        soupsieve.compile(selector)
    except (soupsieve.SelectorSyntaxError, NotImplementedError, RecursionError) as error:
        raise _bad(
            f"bad CSS selector {shown(selector)} ({_first_line(error)})",
            "write a selector such as '#opus .price' or 'table.pricing'",
        ) from None
    return selector


def _jmespath(expression: str) -> str:
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        jmespath.compile(expression)
    except (JMESPathError, RecursionError) as error:
        detail = _first_line(error).removeprefix("Invalid jmespath expression: ")
        raise _bad(
            f"bad JMESPath expression {shown(expression)} ({detail.rstrip(':')})",
            "quote names with spaces or dashes; see jmespath.org/tutorial",
        ) from None
    return expression


def _xpath(expression: str) -> str:
    from lxml import etree

    try:
        etree.XPath(expression)
    except (etree.XPathSyntaxError, etree.XPathEvalError) as error:
        raise _bad(
            f"bad XPath expression {shown(expression)} ({_first_line(error)})",
            "write a path such as '//atom:entry/atom:title' and declare its prefixes",
        ) from None
    return expression


def _conversion(name: str) -> str:
    if name not in CONVERSIONS:
        close = difflib.get_close_matches(name, CONVERSIONS, n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'?" if close else f"use one of {', '.join(CONVERSIONS)}"
        raise _bad(f"unknown conversion {shown(name)}", hint)
    return name


def _finite(number: float) -> float:
    if not math.isfinite(number):
        raise _bad(f"expected a finite number, got {number}", "write a plain number")
    return number


def _positive(number: float) -> float:
    if not number > 0:
        raise _bad(f"expected a positive number such as 0.5, got {shown(number)}")
    return number


def is_pattern(text: str) -> bool:
    """Return whether a table header or value is written as a /regular expression/."""
    return len(text) >= 2 and text.startswith("/") and text.endswith("/")


def _cell(value: str | int | float) -> str | int | float:
    if isinstance(value, str) and is_pattern(value):
        _regex(value[1:-1], written=value)
    elif isinstance(value, float):
        _finite(value)
    return value


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


Text = Annotated[str, StringConstraints(pattern=r"\S")]
Url = Annotated[
    str, AfterValidator(_http_url), WithJsonSchema({"type": "string", "pattern": "^https?://[^/]"})
]
Regex = Annotated[Text, AfterValidator(_regex)]
Selector = Annotated[Text, AfterValidator(_selector)]
JMESPath = Annotated[Text, AfterValidator(_jmespath)]
XPath = Annotated[Text, AfterValidator(_xpath)]
Conversion = Annotated[
    str,
    AfterValidator(_conversion),
    WithJsonSchema({"type": "string", "enum": list(CONVERSIONS)}),
]
Number = Annotated[int | float, AfterValidator(_finite), WithJsonSchema({"type": "number"})]
Positive = Annotated[
    int | float,
    AfterValidator(_positive),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0}),
]
Header = Annotated[Text, AfterValidator(_cell)]
GroupName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
Cell = Annotated[str | int | float, AfterValidator(_cell)]


# --- the models ----------------------------------------------------------------------------


def _without_nulls(schema: dict[str, Any]) -> None:
    """Drop the null an optional key allows: a key is left out, never written as null."""
    for prop in schema.get("properties", {}).values():
        if "default" not in prop or prop["default"] is not None:
            continue
        del prop["default"]
        branches = [b for b in prop.pop("anyOf", []) if b != {"type": "null"}]
        prop.update(branches[0] if len(branches) == 1 else {"anyOf": branches})


class _Strict(BaseModel):
    """Base of the check models: exact types, and an unknown key or a null is an error."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, json_schema_extra=_without_nulls
    )

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise PydanticCustomError("null", "null is not a value here")
        return value

    def data(self) -> dict[str, Any]:
        """Return the block as the editor wrote it (only the keys given)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class _Check(_Strict):
    """What every check gives: where the value is read."""

    method: ClassVar[str]
    url: Url = Field(description="address of the page or file the value is read from")


class ManualCheck(_Check):
    """No extraction: the link is checked and a change of the page (its sha256) reported."""

    method: ClassVar[str] = "manual"
    manual: Literal[True] = Field(description="true: a person reads the page")


class ValueCheck(_Check):
    """A check that reads a value: how the text found becomes the fact's value."""

    number: bool = Field(True, description="true: parse a number as printed; false: keep text")
    scale: Number | None = Field(None, description="multiply the number by this factor")
    convert: Conversion | None = Field(None, description="multiply by a named factor instead")
    max_jump: Positive | None = Field(
        None,
        description="refuse a new value more than this share away from the old "
        "(defaults: the series' max_jump, then the unit kind's)",
    )
    group: GroupName | None = Field(
        None, description="facts naming the same group are written together or not at all"
    )

    @field_validator("scale", "convert")
    @classmethod
    def _one_factor(cls, factor: Any, info: ValidationInfo) -> Any:
        if info.data.get("number") is False:
            raise _bad("needs 'number: true'", "remove it, or remove 'number: false'")
        if info.field_name == "convert" and info.data.get("scale") is not None:
            raise _bad("given with 'scale'", "use one factor: scale or convert")
        return factor


class HtmlCheck(ValueCheck):
    """Read the first HTML element that a CSS selector matches."""

    method: ClassVar[str] = "html"
    html: Selector = Field(description="CSS selector; the first matching element is read")
    attr: Text | None = Field(None, description="read this attribute instead of the text")
    regex: Regex | None = Field(None, description="keep the first group of this expression")


class TableAddress(_Strict):
    """Which cell of an HTML table: a row picked by header values, and a column."""

    match: dict[Header, Cell] = Field(
        min_length=1, description="header: value pairs that pick exactly one row"
    )
    column: Header = Field(description="header of the column to read")
    selector: Selector | None = Field(None, description="CSS selector of the table")


class TableCheck(ValueCheck):
    """Read one cell of an HTML table, addressed by header names and a row match."""

    method: ClassVar[str] = "table"
    table: TableAddress = Field(description="the cell: {match: {header: value}, column}")
    regex: Regex | None = Field(None, description="keep the first group of this expression")


class JsonCheck(ValueCheck):
    """Read one value from a JSON document with a JMESPath expression."""

    method: ClassVar[str] = "json"
    path: JMESPath = Field(alias="json", description="JMESPath expression of exactly one value")


class XmlCheck(ValueCheck):
    """Read one value from an XML document (an Atom feed, say) with an XPath expression."""

    method: ClassVar[str] = "xml"
    path: XPath = Field(alias="xml", description="XPath expression of exactly one node or string")
    namespaces: dict[Text, Text] | None = Field(
        None, description="prefix: namespace URI pairs the expression uses"
    )
    regex: Regex | None = Field(None, description="keep the first group of this expression")


class YamlCheck(ValueCheck):
    """Read one value from a YAML document with a JMESPath expression, as json does."""

    method: ClassVar[str] = "yaml"
    path: JMESPath = Field(alias="yaml", description="JMESPath expression of exactly one value")


class TextCheck(ValueCheck):
    """Find a value with a regular expression over the page's plain text."""

    method: ClassVar[str] = "text"
    text: Regex = Field(description="regular expression; its first group is the value")


MODELS: dict[str, type[_Check]] = {
    model.method: model
    for model in (HtmlCheck, JsonCheck, TableCheck, TextCheck, XmlCheck, YamlCheck, ManualCheck)
}
EXTRACTING: tuple[str, ...] = tuple(name for name in MODELS if name != "manual")
_EVERY_KEY = frozenset(
    info.alias or name for model in MODELS.values() for name, info in model.model_fields.items()
)


def method_of(block: Any) -> str | None:
    """Return the method a block names by its key; None when it names none or several."""
    if isinstance(block, _Check):
        return block.method
    named = _named(block) if isinstance(block, Mapping) else []
    return named[0] if len(named) == 1 else None


CheckSpec = Annotated[
    Union[  # noqa: UP007 - each branch needs its Tag
        Annotated[HtmlCheck, Tag("html")],
        Annotated[JsonCheck, Tag("json")],
        Annotated[TableCheck, Tag("table")],
        Annotated[TextCheck, Tag("text")],
        Annotated[XmlCheck, Tag("xml")],
        Annotated[YamlCheck, Tag("yaml")],
        Annotated[ManualCheck, Tag("manual")],
    ],
    Discriminator(method_of),
]


# --- parsing, with every problem at its key -------------------------------------------------


@dataclass(frozen=True)
class SpecProblem:
    """One thing wrong in a check block: its keys inside the block, what, and how to fix it."""

    loc: Loc
    message: str
    hint: str = ""

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class CheckSpecError(ValueError):
    """A check block is wrong; `problems` lists every defect found in it."""

    def __init__(self, problems: Sequence[SpecProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(map(str, self.problems)))


def parse_check(block: object) -> CheckSpec:
    """Return the typed model of a check block as written; raise CheckSpecError otherwise."""
    if not isinstance(block, Mapping):
        raise CheckSpecError([_not_a_mapping(block)])
    named = _named(block)
    if len(named) > 1:
        listed = " and ".join(f"'{name}'" for name in named)
        problem = SpecProblem((named[1],), f"check: {listed} given together", "use one method")
        raise CheckSpecError([problem])
    problems: list[SpecProblem] = []
    renamed: dict[str | int, str | int] = {}
    if not named:
        block, renamed, misspelt = _respelt(block)
        problems.append(misspelt)
        named = _named(block)
    model = MODELS[named[0]]
    try:
        spec = model.model_validate(block)
    except ValidationError as error:
        problems += _explain(model, block, error.errors(), renamed)
    if problems:
        raise CheckSpecError(problems)
    return cast("CheckSpec", spec)  # MODELS holds exactly the branches of the union


def _respelt(
    block: Mapping[Any, Any],
) -> tuple[dict[Any, Any], dict[str | int, str | int], SpecProblem]:
    """Return the block with a misspelt method key spelt right, to check the rest of it too."""
    for key in block:
        if isinstance(key, str) and key not in _EVERY_KEY:
            close = difflib.get_close_matches(key, MODELS, n=1, cutoff=0.6)
            if close:
                meant = close[0]
                problem = SpecProblem(
                    (key,), f"check: unknown key {key!r}", f"did you mean '{meant}'?"
                )
                respelt = {meant if k == key else k: v for k, v in block.items()}
                return respelt, {meant: key}, problem
    raise CheckSpecError([_no_method()])


def _validate_field(block: object) -> CheckSpec | None:
    """Validate FactRecord.check: every problem becomes a pydantic error at its key."""
    if block is None:
        return None
    try:
        return parse_check(block)
    except CheckSpecError as error:
        details = [
            InitErrorDetails(
                type=PydanticCustomError(
                    PROBLEM, "{message}", {"message": p.message, "hint": p.hint}
                ),
                loc=p.loc,
                input=block,
            )
            for p in error.problems
        ]
        raise ValidationError.from_exception_data("check", details) from None


CheckField = Annotated[
    CheckSpec | None, PlainValidator(_validate_field, json_schema_input_type=CheckSpec | None)
]


def _named(block: Mapping[Any, Any]) -> list[str]:
    return [name for name in MODELS if name in block]


def _not_a_mapping(block: object) -> SpecProblem:
    return SpecProblem(
        (),
        f"check: expected a mapping with 'url' and a method, got {shown(block)}",
        "write 'url:' and the method's key on lines of their own, indented under 'check:'",
    )


def _no_method() -> SpecProblem:
    choices = ", ".join(EXTRACTING)
    return SpecProblem((), "check: no extraction method", f"add one of {choices}, or manual: true")


def _explain(
    model: type[_Check],
    block: Mapping[Any, Any],
    errors: list[ErrorDetails],
    renamed: Mapping[str | int, str | int],
) -> list[SpecProblem]:
    """Word each error once, at the keys as written (a misspelt method key as misspelt)."""
    out: list[SpecProblem] = []
    for error in _without_misspelt_missing(errors):
        problem = _problem(model, block, error)
        if problem.loc and problem.loc[0] in renamed:
            meant, written = problem.loc[0], renamed[problem.loc[0]]
            message = problem.message.replace(f"check.{meant}", f"check.{written}", 1)
            problem = SpecProblem((written, *problem.loc[1:]), message, problem.hint)
        if problem not in out:
            out.append(problem)
    return out


def _without_misspelt_missing(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """Drop the 'missing' error of a key that an unknown key misspells: one defect, one line."""
    missing = [tuple(e["loc"]) for e in errors if e["type"] == "missing"]
    dropped: set[tuple[str | int, ...]] = set()
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] == "extra_forbidden":
            siblings = [str(m[-1]) for m in missing if m[:-1] == loc[:-1]]
            close = difflib.get_close_matches(str(loc[-1]), siblings, n=1, cutoff=0.6)
            dropped.update((*loc[:-1], name) for name in close)
    return [e for e in errors if e["type"] != "missing" or tuple(e["loc"]) not in dropped]


def _problem(model: type[_Check], block: Mapping[Any, Any], error: ErrorDetails) -> SpecProblem:
    """Word one pydantic error; its loc is cut to the keys that the block holds."""
    loc = _data_loc(block, error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if "[key]" in error["loc"]:
        return _header_problem(loc, kind, ctx)
    if kind == "extra_forbidden":
        return _unknown_key(model, loc)
    if kind == "missing":
        name = str(loc[-1])
        return SpecProblem(loc, f"{_where(loc[:-1])}: missing '{name}'", _MISSING.get(name, ""))
    if kind == _BAD:
        return SpecProblem(loc, f"{_where(loc)}: {ctx['message']}", str(ctx.get("hint", "")))
    got = error["input"]
    message = f"{_where(loc)}: expected {_expected(loc)}, got {shown(got)}"
    return SpecProblem(loc, message, _type_hint(kind, got))


def _data_loc(block: Mapping[Any, Any], loc: Sequence[str | int]) -> Loc:
    """Return the part of loc that names keys of block (not union branches or '[key]')."""
    node: Any = block
    kept: list[str | int] = []
    for part in loc:
        if not isinstance(node, Mapping) or part == "[key]":
            break
        kept.append(part)
        if part not in node:
            break
        node = node[part]
    return tuple(kept)


def _header_problem(loc: Loc, kind: str, ctx: Mapping[str, Any]) -> SpecProblem:
    where = _where(loc[:-1])
    if kind == _BAD:
        return SpecProblem(loc, f"{where}: {ctx['message']}", str(ctx.get("hint", "")))
    return SpecProblem(loc, f"{where}: header {shown(loc[-1])} is not text", "quote it")


def _unknown_key(model: type[_Check], loc: Loc) -> SpecProblem:
    allowed = _keys_at(model, loc[:-1])
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else f"remove it; allowed: {', '.join(allowed)}"
    return SpecProblem(loc, f"{_where(loc[:-1])}: unknown key {shown(loc[-1])}", hint)


def _keys_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """Return the keys the model allows in the mapping at loc."""
    for part in loc:
        field = next((f for n, f in model.model_fields.items() if part in (n, f.alias)), None)
        inner = field.annotation if field is not None else None
        if not (isinstance(inner, type) and issubclass(inner, BaseModel)):
            return []
        model = inner
    return sorted(info.alias or name for name, info in model.model_fields.items())


def _where(loc: Loc) -> str:
    """Return a key path inside a block as 'check.table.match.Model'."""
    parts = [f".{p}" if isinstance(p, str) and _KEY.fullmatch(p) else f"[{p!r}]" for p in loc]
    return "check" + "".join(parts)


_EXPECTED = {
    "url": "an http:// or https:// address",
    "manual": "true",
    "number": "true or false",
    "scale": "a number such as 1000000",
    "convert": "the name of a conversion",
    "max_jump": "a positive number such as 0.5",
    "group": "a name such as opus-price (lower case, digits, dashes)",
    "html": "a CSS selector such as '#opus .price'",
    "attr": "an attribute name such as data-price",
    "regex": "a regular expression",
    "text": "a regular expression",
    "json": "a JMESPath expression such as 'data.price'",
    "yaml": "a JMESPath expression such as 'models[0].price'",
    "xml": "an XPath expression such as '//atom:entry/atom:title'",
    "namespaces": "prefix: URI pairs such as {atom: 'http://www.w3.org/2005/Atom'}",
    "table": "a mapping such as {match: {Model: X}, column: Input}",
    "match": "header: value pairs such as {Model: X}",
    "column": "a column header such as Input",
    "selector": "a CSS selector such as '#pricing table'",
}

_MISSING = {
    "url": "add 'url:', the address of the page or file the value is read from",
    "match": "add 'match:' with header: value pairs that pick one row",
    "column": "add 'column:', the header of the column to read",
}


def _expected(loc: Loc) -> str:
    if len(loc) >= 2 and loc[-2] == "match":
        return "text or a number"
    return _EXPECTED.get(str(loc[-1]) if loc else "", "another value")


def _type_hint(kind: str, got: object) -> str:
    if kind == "literal_error":
        return "a check without a method is 'manual: true'; otherwise name a method"
    if kind == "bool_type" and isinstance(got, str):
        return "write true or false without quotes"
    if kind in ("int_type", "float_type") and isinstance(got, str):
        return "write the number without quotes"
    if kind == "null":
        return "leave the key out instead"
    return ""
