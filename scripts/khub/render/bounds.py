"""Bound what rendering one module may cost: CPU time, memory, output and single operations.

Jinja's sandbox stops a template from reaching Python's internals, but not from running for
ever or filling the memory. This module adds the bounds, each set in data/hub.yml:

- render_seconds: CPU time of one render, enforced by a profiling timer in the main thread
  (a trace hook elsewhere) that keeps raising until the render gives up;
- render_memory_mb: memory the render may add, as an address-space limit (Linux);
- render_max_chars: the page's length, counted while it streams out, and the size of any one
  value an operator, filter, string method or helper makes;
- render_max_width: widths, counts and precisions passed to filters, string methods and
  format specifications (center, indent, batch, "{:>N}", "%.Nf"...);
- render_max_decimals: the decimals= of a fact.

Single C-level operations that would run for minutes are refused before they start: `**`
and `*` on numbers are held to the digits Python can print, and `*`, `+` and `%` on strings
and lists to render_max_chars. (Jinja has no `<<` or other bitwise operators.)
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import re
import signal
import sys
import threading
import time
import types
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Formatter
from typing import Any

from jinja2 import FileSystemBytecodeCache
from jinja2.runtime import Context
from jinja2.sandbox import (
    ImmutableSandboxedEnvironment,
    SandboxedEscapeFormatter,
    SandboxedFormatter,
)
from jinja2.utils import Namespace
from markupsafe import Markup

from khub.data.settings import HubSettings
from khub.disk.cachedir import code_fingerprint

try:
    import resource
except ImportError:  # pragma: no cover - Windows has no resource module
    resource = None  # type: ignore[assignment]

HINT = "raise the limit in data/hub.yml"
MAX_DIGITS = 4300  # the longest number Python prints (sys.int_info.default_max_str_digits)
_LOG2_10 = math.log2(10)


class LimitError(Exception):
    """A render went past one of its limits; the message names the limit."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


_DEFAULTS = HubSettings()


@dataclass(frozen=True)
class Limits:
    """The bounds of one module's render; the defaults are data/hub.yml's."""

    seconds: float = _DEFAULTS.render_seconds
    memory_mb: int = _DEFAULTS.render_memory_mb
    max_chars: int = _DEFAULTS.render_max_chars
    max_width: int = _DEFAULTS.render_max_width
    max_decimals: int = _DEFAULTS.render_max_decimals

    @classmethod
    def from_settings(cls, settings: HubSettings) -> Limits:
        """Return the limits data/hub.yml sets."""
        return cls(
            seconds=settings.render_seconds,
            memory_mb=settings.render_memory_mb,
            max_chars=settings.render_max_chars,
            max_width=settings.render_max_width,
            max_decimals=settings.render_max_decimals,
        )

    def too_long(self, what: str, size: int) -> LimitError:
        """Return the error for a value or page longer than render_max_chars."""
        return LimitError(
            f"{what} of {size} characters, more than render_max_chars = {self.max_chars}",
            f"make it shorter or {HINT}",
        )

    def check_size(self, what: str, size: int) -> None:
        """Raise LimitError when size passes render_max_chars."""
        if size > self.max_chars:
            raise self.too_long(what, size)

    def check_width(self, what: str, value: object) -> None:
        """Raise LimitError when an int argument passes render_max_width."""
        if isinstance(value, int) and abs(value) > self.max_width:
            raise LimitError(
                f"{what} = {value} is more than render_max_width = {self.max_width}",
                f"use a smaller number or {HINT}",
            )

    def check_decimals(self, decimals: object) -> None:
        """Raise LimitError when a fact's decimals= passes render_max_decimals."""
        if isinstance(decimals, int) and decimals > self.max_decimals:
            raise LimitError(
                f"decimals={decimals} is more than render_max_decimals = {self.max_decimals}",
                f"show fewer decimals or {HINT}",
            )
        if isinstance(decimals, int) and decimals < 0:
            raise LimitError(f"decimals={decimals} is below 0", "use 0 or more decimals")

    def timeout(self) -> LimitError:
        """Return the error of a render that ran out of CPU time."""
        seconds = f"{self.seconds:g}"
        return LimitError(
            f"render took longer than render_seconds = {seconds}",
            f"simplify the template or {HINT}",
        )

    def out_of_memory(self) -> LimitError:
        """Return the error of a render that ran out of memory."""
        return LimitError(
            f"render needed more memory than render_memory_mb = {self.memory_mb}",
            f"simplify the template or {HINT}",
        )


# --- sizes ---------------------------------------------------------------------------


def shown_size(value: object, limit: int) -> int:
    """Return about how many characters value takes when shown; stop counting past limit."""
    if isinstance(value, str | bytes):
        return len(value)
    if value is None or isinstance(value, int | float | bool):
        return 32 if not isinstance(value, int) or value.bit_length() < 64 else MAX_DIGITS
    if isinstance(value, Mapping):
        items: Any = [item for pair in value.items() for item in pair]
    elif isinstance(value, list | tuple | set | frozenset):
        items = value
    elif isinstance(value, Namespace):
        items = list(object.__getattribute__(value, "_Namespace__attrs").values())
    else:
        return 64
    total = 2
    for item in items:
        total += shown_size(item, limit - total) + 4
        if total > limit:
            break
    return total


def _digits(bits: float) -> int:
    return int(bits / _LOG2_10) + 1


# --- operators -------------------------------------------------------------------------


def check_binop(limits: Limits, operator: str, left: Any, right: Any) -> None:
    """Raise LimitError before an operator makes a number or value too big to be useful."""
    numbers = isinstance(left, int) and isinstance(right, int)
    if operator == "**" and numbers and right > 0 and abs(left) > 1:
        huge = right.bit_length() > 32
        _check_digits(operator, math.inf if huge else right * math.log2(abs(left)))
    elif operator == "*" and numbers:
        _check_digits(operator, left.bit_length() + right.bit_length())
    elif operator == "*":
        sequence, count = (left, right) if isinstance(right, int) else (right, left)
        if isinstance(count, int) and not isinstance(sequence, int | float):
            size = shown_size(sequence, limits.max_chars) * max(count, 0)
            limits.check_size("'*' would make a value", size)
    elif operator == "+" and isinstance(left, str | list | tuple | bytes):
        size = shown_size(left, limits.max_chars) + shown_size(right, limits.max_chars)
        limits.check_size("'+' would make a value", size)
    elif operator == "%" and isinstance(left, str):
        check_percent(limits, left, right, "'%'")


def _check_digits(operator: str, bits: float) -> None:
    if bits / _LOG2_10 >= MAX_DIGITS:
        digits = "too many" if math.isinf(bits) else str(_digits(bits))
        raise LimitError(
            f"'{operator}' would make a number of {digits} digits, more than {MAX_DIGITS}",
            "no page can show such a number: Python prints at most 4300 digits",
        )


_PERCENT = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*(?P<width>\*|\d+)?(?:\.(?P<prec>\*|\d*))?[hlL]?(?P<conv>.?)",
    re.DOTALL,
)


def check_percent(limits: Limits, fmt: str, args: Any, what: str) -> None:
    """Raise LimitError when printf-style formatting would be too wide or too long."""
    mapping = args if isinstance(args, Mapping) else None
    values = args if isinstance(args, tuple) else (args,)
    index, total = 0, len(fmt)
    for found in _PERCENT.finditer(fmt):
        if found["conv"] == "%":
            continue
        for part in (found["width"], found["prec"]):
            number = 0
            if part == "*":
                number = values[index] if index < len(values) else 0
                index += 1
            elif part:
                number = int(part)
            limits.check_width(f"{what} width or precision", number)
            total += number if isinstance(number, int) else 0
        if mapping is not None and found["key"] is not None:
            value = mapping.get(found["key"], "")
        else:
            value = values[index] if index < len(values) else ""
            index += 1
        scale = 10 if found["conv"] in ("r", "a") else 1
        total += shown_size(value, limits.max_chars) * scale
        limits.check_size(f"{what} would make a value", total)


# --- str.format ------------------------------------------------------------------------

_SPEC_NUMBER = re.compile(r"\d+")


class _BoundedFields:
    """A format mixin that caps widths and precisions and counts what it has produced."""

    _produced = 0

    def format_field(self, value: Any, format_spec: str) -> Any:
        """Format one field after checking its spec; raise when the result grows too long."""
        limits: Limits = getattr(self, "_env").limits  # noqa: B009 - set by SandboxedFormatter
        for number in _SPEC_NUMBER.findall(format_spec):
            limits.check_width("format() width or precision", int(number))
        out = super().format_field(value, format_spec)  # type: ignore[misc]
        self._produced += len(str(out))
        limits.check_size("format() would make a value", self._produced)
        return out


class _BoundedFormatter(_BoundedFields, SandboxedFormatter):
    """The sandbox's formatter with bounds."""


class _BoundedEscapeFormatter(_BoundedFields, SandboxedEscapeFormatter):
    """The sandbox's escaping formatter (for Markup) with bounds."""


# --- string methods and filters --------------------------------------------------------

_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_STRINGS = (str, bytes, Markup)


def check_method(
    limits: Limits, method: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> tuple[Any, ...]:
    """Check a call of a string method that sizes its result; return the arguments to use."""
    owner = getattr(method, "__self__", None)
    name = getattr(method, "__name__", "")
    if not isinstance(owner, _STRINGS):
        return args
    if name in _WIDTH_METHODS:
        width = args[0] if args else kwargs.get("tabsize", kwargs.get("width"))
        limits.check_width(f"{name}() width", width)
        if name == "expandtabs" and isinstance(width, int):
            limits.check_size("expandtabs() would make a value", len(owner) * max(width, 1))
    elif name == "join" and args:
        items = list(args[0])
        size = len(owner) * len(items) + sum(shown_size(i, limits.max_chars) for i in items)
        limits.check_size("join() would make a value", size)
        return (items, *args[1:])
    elif name == "replace" and len(args) >= 2:
        count = args[2] if len(args) > 2 else -1
        _check_replace(limits, owner, args[0], args[1], count, "replace()")
    return args


def _check_replace(limits: Limits, text: Any, old: Any, new: Any, count: Any, what: str) -> None:
    if not isinstance(text, _STRINGS) or not isinstance(old, _STRINGS):
        return
    if not isinstance(new, _STRINGS):
        new = str(new)
    found = text.count(old) if old else len(text) + 1  # type: ignore[arg-type]
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    limits.check_size(f"{what} would make a value", len(text) + found * (len(new) - len(old)))


# Filter argument → how it sizes the result; the rest of each filter is checked after it ran.
_WIDTH_ARGUMENTS = {
    "center": ("width",),
    "indent": ("width",),
    "wordwrap": ("width",),
    "truncate": ("length", "leeway"),
    "batch": ("linecount",),
    "slice": ("slices",),
    "tojson": ("indent",),
}


def bounded_filter(limits: Limits, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """Return a filter that checks its sizing arguments first and its result's size after."""
    try:
        signature: inspect.Signature | None = inspect.signature(function)
    except (TypeError, ValueError):  # pragma: no cover - every built-in filter has one
        signature = None
    skip = _hidden_arguments(function)

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if signature is not None:
            bound = signature.bind_partial(*args[skip:], **kwargs)
            _check_filter(limits, name, bound.arguments)
            args, kwargs = (*args[:skip], *bound.args), dict(bound.kwargs)
        result = function(*args, **kwargs)
        if isinstance(result, str | list | tuple):
            limits.check_size(f"filter '{name}' made a value", shown_size(result, limits.max_chars))
        return result

    return wrapper


def _hidden_arguments(function: Callable[..., Any]) -> int:
    """Return 1 when Jinja passes an argument its signature does not show (async variants)."""
    inner = getattr(function, "__wrapped__", None)
    passes = getattr(function, "jinja_pass_arg", None) is not None
    return (
        1 if passes and inner is not None and getattr(inner, "jinja_pass_arg", None) is None else 0
    )


def _check_filter(limits: Limits, name: str, bound: dict[str, Any]) -> None:
    """Check a filter's sizing arguments; materialise what join will join (in bound)."""
    for argument in _WIDTH_ARGUMENTS.get(name, ()):
        limits.check_width(f"filter '{name}' {argument}", bound.get(argument))
    if name == "indent" and isinstance(bound.get("width"), str):
        lines = str(bound.get("s", "")).count("\n") + 1
        limits.check_size("indent would make a value", lines * (len(bound["width"]) + 1))
    elif name == "wordwrap":
        text, wrap = str(bound.get("s", "")), bound.get("wrapstring") or "\n"
        limits.check_size("wordwrap would make a value", len(text) * (1 + len(str(wrap))))
    elif name == "replace":
        _check_replace(
            limits, bound.get("s"), bound.get("old"), bound.get("new"), bound.get("count"), name
        )
    elif name == "join" and "value" in bound:
        items = bound["value"] = list(bound["value"])
        separator = len(str(bound.get("d", "")))
        size = separator * len(items) + shown_size(items, limits.max_chars)
        limits.check_size("join would make a value", size)
    elif name == "format":
        values = bound.get("kwargs") or bound.get("args") or ()
        check_percent(limits, str(bound.get("value", "")), values, "format")


# --- the environment -------------------------------------------------------------------


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox with khub's limits on operators, calls, filters and formats."""

    intercepted_binops = frozenset({"+", "*", "%", "**"})

    def __init__(self, *args: Any, limits: Limits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self.budget: _Budget | None = None
        self.filters = {
            name: bounded_filter(limits, name, function) for name, function in self.filters.items()
        }
        self.globals["namespace"] = _bounded_namespace(limits)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """Apply an operator once check_binop found its result small enough."""
        check_binop(self.limits, operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        """Call obj from a template; refuse arguments and results past the limits."""
        args = check_method(self.limits, obj, args, kwargs)
        result = super().call(context, obj, *args, **kwargs)
        if self.budget is not None and self.budget.expired:  # a helper swallowed the timeout
            raise self.limits.timeout()
        if isinstance(result, str | list | tuple):
            size = shown_size(result, self.limits.max_chars)
            self.limits.check_size(f"{getattr(obj, '__name__', 'a call')}() made a value", size)
        return result

    def render_bounded(self, name: str, context: dict[str, Any]) -> str:
        """Load and render a template within the limits; raise LimitError naming the one passed."""
        limits = self.limits
        with _memory_budget(limits.memory_mb), _cpu_budget(limits) as budget:
            self.budget = budget
            try:
                text = _stream(limits, self.get_template(name).generate(context))  # type: ignore[arg-type]
            except MemoryError as exc:
                raise limits.out_of_memory().with_traceback(exc.__traceback__) from None
            finally:
                self.budget = None
        if budget.expired:
            raise limits.timeout()
        return text

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """Return str.format or format_map for templates, with widths and length bounded."""
        if not isinstance(value, types.MethodType | types.BuiltinMethodType) or (
            value.__name__ not in ("format", "format_map")
        ):
            return None
        owner: Any = value.__self__
        if not isinstance(owner, str):
            return None
        kind = type(owner)
        is_map = value.__name__ == "format_map"

        def wrapper(*args: Any, **kwargs: Any) -> str:
            formatter: Formatter = (
                _BoundedEscapeFormatter(self, escape=owner.escape)
                if isinstance(owner, Markup)
                else _BoundedFormatter(self)
            )
            if not is_map:
                return kind(formatter.vformat(owner, args, kwargs))
            if kwargs or len(args) != 1:
                raise TypeError("format_map() takes exactly one mapping")
            return kind(formatter.vformat(owner, (), args[0]))

        return functools.update_wrapper(wrapper, value)


def _bounded_namespace(limits: Limits) -> type[Namespace]:
    class BoundedNamespace(Namespace):
        """A namespace that refuses to hold values longer than render_max_chars."""

        def __setitem__(self, name: str, value: Any) -> None:
            size = shown_size(value, limits.max_chars)
            limits.check_size(f"namespace attribute '{name}' would hold a value", size)
            super().__setitem__(name, value)

    return BoundedNamespace


class VersionedBytecodeCache(FileSystemBytecodeCache):
    """Jinja's bytecode cache keyed also on khub's code, whose rules change compiled code."""

    VERSION = code_fingerprint()[:16]

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        """Return the cache key of a template for this version of the sandbox."""
        return super().get_cache_key(f"{self.VERSION}:{name}", filename)


# --- running a render within the limits ------------------------------------------------


def _stream(limits: Limits, chunks: Generator[str, None, None]) -> str:
    """Join a template's output, raising inside the template once it grows too long."""
    parts: list[str] = []
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > limits.max_chars:
            error = LimitError(
                f"page is longer than render_max_chars = {limits.max_chars} characters",
                f"shorten the page or {HINT}",
            )
            chunks.throw(error)
        parts.append(chunk)
    return "".join(parts)


class _Budget:
    """The CPU budget of one render; once spent, every tick raises until the render stops."""

    TICK = 0.05

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.active = False
        self.expired = False
        self.deadline = 0.0

    def on_signal(self, _signum: int, frame: types.FrameType | None) -> None:
        """Raise the timeout in the render; later ticks raise only inside template code.

        A helper that swallows the first raise cannot keep the render going: every later
        tick raises again while a template is on the stack. Ticks that land in Jinja's own
        error handling leave it alone, so the error keeps its template line.
        """
        if not self.active:
            return
        if not self.expired or _rendering(frame):
            self.expired = True
            raise self.limits.timeout()

    def trace(self, frame: types.FrameType, _event: str, _arg: object) -> Any:
        """Check the deadline on every line of template code (off the main thread)."""
        if not self.active or not _in_template(frame):
            return None
        if time.thread_time() > self.deadline:
            self.expired = True
            raise self.limits.timeout()
        return self.trace


def _in_template(frame: types.FrameType) -> bool:
    """Return True when frame runs compiled template code."""
    return "__jinja_template__" in frame.f_globals


def _rendering(frame: types.FrameType | None) -> bool:
    """Return True when frame runs on behalf of a template, outside Jinja's error handling."""
    while frame is not None:
        if frame.f_code.co_name == "handle_exception" or frame.f_code.co_filename.endswith(
            _JINJA_DEBUG
        ):
            return False
        if _in_template(frame):
            return True
        frame = frame.f_back
    return False


_JINJA_DEBUG = str(Path("jinja2") / "debug.py")


@contextlib.contextmanager
def _cpu_budget(limits: Limits) -> Iterator[_Budget]:
    """Spend at most limits.seconds of CPU inside the block, then raise LimitError."""
    budget = _Budget(limits)
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        previous = signal.signal(signal.SIGPROF, budget.on_signal)
        budget.active = True
        saved = signal.setitimer(signal.ITIMER_PROF, limits.seconds, _Budget.TICK)
        try:
            yield budget
        finally:
            try:
                budget.active = False  # a tick landing before this line still restores below
            finally:
                try:
                    signal.setitimer(signal.ITIMER_PROF, *saved)
                finally:
                    signal.signal(signal.SIGPROF, previous)
        return
    tracer = sys.gettrace()
    budget.deadline = time.thread_time() + limits.seconds
    budget.active = True
    sys.settrace(budget.trace)
    try:
        yield budget
    finally:
        budget.active = False
        sys.settrace(tracer)


@contextlib.contextmanager
def _memory_budget(megabytes: int) -> Iterator[None]:
    """Let the process grow by at most megabytes inside the block (Linux; else unbounded)."""
    size = _address_space()
    if resource is None or size is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = size + megabytes * 2**20
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft <= wanted:
        yield
        return
    try:
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (ValueError, OSError):  # pragma: no cover - a platform that refuses
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _address_space() -> int | None:
    """Return the process's virtual memory size in bytes, or None where unknown."""
    try:
        pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * resource.getpagesize() if resource is not None else None
