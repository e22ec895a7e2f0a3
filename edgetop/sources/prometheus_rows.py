"""Instant-vector answers of the Prometheus HTTP API, read as rows of only the labels asked for.

A fleet round reads tens of thousands of series; ``json.loads`` builds three containers for
each (the series, its ``metric`` object, its ``value`` pair) and the round then reads two or
three strings out of them. Here a series becomes one tuple: the values of the labels asked
for, in the order asked, then the sample's value as the API's text (``"0.25"``, ``"NaN"``).

The fast path reads Prometheus's own compact encoding with one regular expression per label
set; it is taken only when the whole answer provably has that shape, and anything else goes
through ``json.loads`` with the same result:

* the answer starts as a successful instant vector does (``{"status":"success","data":
  {"resultType":"vector","result":[``) and ends with the result (``]}}``: no warnings);
* every series matched: as many matches as ``{"metric":`` openings. JSON escapes every ``"``
  inside a string, so that opening cannot occur inside a label value, and a series the
  expression does not match exactly (a label not asked for, a label value with an escape
  sequence, another key order) makes the counts differ.
* no escape sequence anywhere (no backslash), so a label value's text is its value. A label asked for may be missing
  (a node without a site label).

The API's format: https://prometheus.io/docs/prometheus/latest/querying/api/#instant-vectors
(labels are sorted by name in Prometheus's encoding, values are strings).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from edgetop.errors import SourceUnavailable

Row = tuple[Any, ...]
"""One series: the label values asked for (str; ``""`` where the series lacks the label, as
Prometheus treats an empty label as an absent one), then the sample value's text (str, or
None when the answer gave none). Asked for no label list (``None``), a row is
``(metric: dict[str, Any], value text)`` instead."""

Series = dict[str, Any]
"""One element of an instant vector: ``{"metric": {label: value}, "value": [unix, "text"]}``."""

_PREFIX = '{"status":"success","data":{"resultType":"vector","result":['
_SUFFIX = "]}}"
_OPENING = '{"metric":'
# A label value: no quote inside, as the answer has no escape sequence at all (checked first).
_STRING = r'"([^"]*)"'
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def vector(answer: Any) -> list[Series]:
    """The result of a decoded instant-vector answer, checked for shape.

    Raises:
        SourceUnavailable: an error answer, or not an instant vector.

    """
    if not isinstance(answer, dict) or answer.get("status") != "success":
        error = answer.get("error") if isinstance(answer, dict) else None
        raise SourceUnavailable(f"query failed: {str(error)[:200]}" if error else "not a Prometheus API answer")
    data = answer.get("data")
    if not isinstance(data, dict) or data.get("resultType") != "vector" or not isinstance(data.get("result"), list):
        raise SourceUnavailable("not an instant-vector answer")
    return [s for s in data["result"] if isinstance(s, dict) and isinstance(s.get("metric"), dict)]


def decode(raw: bytes) -> Any:
    """``raw`` as JSON.

    Raises:
        SourceUnavailable: not JSON.

    """
    try:
        return json.loads(raw)
    except ValueError:
        raise SourceUnavailable("the answer is not JSON (is this a Prometheus URL?)") from None


@functools.lru_cache(maxsize=64)
def _pattern(names: tuple[str, ...], optional: bool) -> re.Pattern[str]:
    """A series with the labels ``names`` (sorted) and no other, as Prometheus encodes it.

    One group per label, then the value's. ``optional``: each label may be missing (its
    group then empty); slower to match, so tried only when the plain one missed a series.
    """
    if optional:
        # The comma before a label is optional too, which also accepts "a":"1""b":"2" (not
        # JSON, never sent), but still nothing with a label not in ``names``.
        labels = "".join(f'(?:{",?" if i else ""}"{name}":{_STRING})?' for i, name in enumerate(names))
    else:
        labels = ",".join(f'"{name}":{_STRING}' for name in names)
    # The timestamp is a JSON number; the value a string ("1", "-0.5", "NaN", "+Inf", "1e-05").
    return re.compile(r'\{"metric":\{' + labels + r'\},"value":\[[^,\]]*,"([^"]*)"\]\}')


def rows(raw: bytes, labels: Sequence[str] | None) -> list[Row]:
    """The series of the instant-vector answer ``raw``, one row each (see :data:`Row`).

    Args:
        raw: the API's whole answer.
        labels: the label names to read, in the order wanted; None for every label (a dict).

    Raises:
        SourceUnavailable: not JSON, an error answer, or not an instant vector.

    """
    if labels is not None:
        fast = fast_rows(raw, tuple(labels))
        if fast is not None:
            return fast
    result = vector(decode(raw))
    if labels is None:
        return [(s["metric"], _value_text(s)) for s in result]
    return [(*(_text(s["metric"].get(name)) for name in labels), _value_text(s)) for s in result]


def _findall(pattern: re.Pattern[str], text: str, chunk: int = 1 << 16) -> list[Any]:
    """``pattern.findall(text)`` a slice of whole series at a time.

    A regular expression holds the GIL until it is done: over the sensors' 0.75 MB, ~10 ms
    in which the view's thread could not answer a key. A slice ends where a series begins.
    """
    found: list[Any] = []
    start = 0
    while start < len(text):
        end = text.find(_OPENING, start + chunk)
        if end < 0:
            end = len(text)
        found += pattern.findall(text, start, end)
        start = end
    return found


def _text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)


def fast_rows(raw: bytes, labels: tuple[str, ...]) -> list[Row] | None:
    """The rows read with one regular expression, or None when ``raw`` is not exactly of that shape."""
    if not all(_LABEL_NAME.fullmatch(name) for name in labels) or len(set(labels)) != len(labels):
        return None
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        return None
    # An escape sequence anywhere (a label with a quote, a backslash, <, > or &, which
    # Prometheus writes as \u003c...): the slow way, which decodes it.
    if not text.startswith(_PREFIX) or not text.endswith(_SUFFIX) or "\\" in text:
        return None
    ordered = tuple(sorted(labels))
    series = text.count(_OPENING)
    found = _findall(_pattern(ordered, False), text)
    if len(found) != series and ordered:  # some series lack a label (a node without a site)
        found = _findall(_pattern(ordered, True), text)
    if len(found) != series:
        return None
    if not ordered:  # one group only: findall gives the strings themselves
        return [(value,) for value in found]
    if ordered != labels:  # back to the order asked for, the value last
        order = itemgetter(*(ordered.index(name) for name in labels), len(labels))
        return [order(row) for row in found]
    return found


def _value_text(series: Series) -> str | None:
    value = series.get("value")
    if isinstance(value, list) and len(value) == 2 and value[1] is not None:
        return value[1] if isinstance(value[1], str) else str(value[1])
    return None
