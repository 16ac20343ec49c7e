"""yaml: read one value from a YAML document with a JMESPath expression, as json does.

The body is parsed with a safe loader (no tags, no aliases to arbitrary objects); dates and
times stay the text they are written as. The path language is the json method's:
JMESPath over the parsed document (https://jmespath.org).

Options of the fact's ``check`` block:

``yaml`` (required)
    A JMESPath expression that selects exactly one value. Example:
    ``yaml: "models[?id=='deepseek-reasoner'] | [0].prices[0].prices.output_mtok"``.
    A list holding one value is unwrapped; nothing, several values or a mapping are errors.
``number``
    ``true`` (default): the value must be a number, or text holding one as printed;
    ``false``: keep the value as text.
``scale`` / ``convert``
    Multiply the number by a factor, or by a named one (``per_token_to_per_million`` …).

Example::

    check:
      url: https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/providers/openai.yml
      yaml: "models[?id=='o1'] | [0].prices.output_mtok"
"""

from __future__ import annotations

from typing import Any

import yaml

from khub.check.extract._shared import ExtractError, Extraction
from khub.check.extract.json import _context, _search, _single, tree_value
from khub.check.http import FetchResult, Kind
from khub.check.spec import YamlCheck

KIND: Kind = "any"


class _Loader(yaml.SafeLoader):
    """A safe loader that keeps timestamps as the text written."""


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    """Return a YAML timestamp as the text written (JSON-ready, as the json method's values)."""
    assert isinstance(node, yaml.ScalarNode)
    return str(loader.construct_scalar(node))


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def extract(spec: YamlCheck, fetched: FetchResult) -> Extraction:
    """Return the single value the spec's JMESPath expression selects in the YAML."""
    document = _load(fetched)
    found = _single(spec.path, _search(spec.path, document))
    return Extraction(tree_value(found, spec), _context(spec.path, document, found), spec.path)


def _load(fetched: FetchResult) -> Any:
    try:
        return yaml.load(fetched.body, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ExtractError(f"malformed YAML{where}: {error.problem}") from None
    except (yaml.YAMLError, RecursionError):
        raise ExtractError("malformed YAML") from None
