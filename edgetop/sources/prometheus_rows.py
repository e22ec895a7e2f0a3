"""Instant-vector answers of the Prometheus HTTP API, read as rows of only the labels asked for.

A fleet round reads tens of thousands of series, and then only two or three strings of each.
Here a series becomes one tuple: the values of the labels asked for, in the order asked,
then the sample's value as the API's text (``"0.25"``, ``"NaN"``).

The answer is decoded by ``msgspec.json.decode`` into :class:`msgspec.Struct` types that
declare only the fields read (``status``, ``error``, ``data.resultType``, and each series'
``metric`` and ``value``): a JSON library, in C, which checks the types as it reads and
skips every other field (``warnings``, ``errorType``, ``infos``) without building it. It
reads any valid JSON the same, whatever its key order, spacing or escape sequences, which
is why it replaced the regular expressions this module had (Prometheus's compact encoding
only, proven by hand, else ``json.loads`` at a third of the speed). The API's format: https://prometheus.io/docs/prometheus/latest/querying/api/#instant-vectors
(an instant vector is ``[{"metric": {label: value}, "value": [unix time, "value"]}, ...]``,
label values and the sample value are strings).

An answer that is valid JSON but not of those types (a scalar result, a label value that is
not a string) is decoded without types and read leniently (:func:`vector`), as before.

The whole answer is decoded in one call, which holds the GIL (the hand-written reader this
replaced read 64 KiB slices to let the view's thread in between): on the benchmark's machine
(2 CPUs, load ~2.5) ~7 ms for a round's biggest answer (the sensors of 1,000 nodes, 0.77 MB,
6,000 series), shorter than a frame, and ~30 ms for a 2.8 MB one (30,000 series); the rows
then take ~2 ms and ~18 ms more, with the GIL let go between series as for any Python code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from edgetop.errors import SourceUnavailable

Row = tuple[Any, ...]
"""One series: the label values asked for (str; ``""`` where the series lacks the label, as
Prometheus treats an empty label as an absent one), then the sample value's text (str, or
None when the answer gave none). Asked for no label list (``None``), a row is
``(metric: dict[str, Any], value text)`` instead."""

Series = dict[str, Any]
"""One element of an instant vector: ``{"metric": {label: value}, "value": [unix, "text"]}``."""


class _Series(msgspec.Struct, gc=False):
    """One series of an instant vector: its labels and its sample (time, value's text)."""

    metric: dict[str, str]
    value: tuple[float | int, str] | None = None


class _Data(msgspec.Struct, gc=False):
    resultType: str  # the API's name
    result: list[_Series]


class _Answer(msgspec.Struct, gc=False):
    """The fields of an API answer read here; the others (warnings, errorType) are skipped."""

    status: str
    data: _Data | None = None
    error: str | None = None


_DECODER = msgspec.json.Decoder(_Answer)
_NOT_JSON = "the answer is not JSON (is this a Prometheus URL?)"


def vector(answer: Any) -> list[Series]:
    """The result of a decoded instant-vector answer, checked for shape.

    Raises:
        SourceUnavailable: an error answer, or not an instant vector.

    """
    if not isinstance(answer, dict) or answer.get("status") != "success":
        error = answer.get("error") if isinstance(answer, dict) else None
        raise SourceUnavailable(_failed(error))
    data = answer.get("data")
    if not isinstance(data, dict) or data.get("resultType") != "vector" or not isinstance(data.get("result"), list):
        raise SourceUnavailable("not an instant-vector answer")
    return [s for s in data["result"] if isinstance(s, dict) and isinstance(s.get("metric"), dict)]


def _failed(error: Any) -> str:
    return f"query failed: {str(error)[:200]}" if error else "not a Prometheus API answer"


def decode(raw: bytes) -> Any:
    """``raw`` as JSON (dicts, lists, strings, numbers).

    Raises:
        SourceUnavailable: not JSON.

    """
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError:
        raise SourceUnavailable(_NOT_JSON) from None


def rows(raw: bytes, labels: Sequence[str] | None) -> list[Row]:
    """The series of the instant-vector answer ``raw``, one row each (see :data:`Row`).

    Args:
        raw: the API's whole answer.
        labels: the label names to read, in the order wanted; None for every label (a dict).

    Raises:
        SourceUnavailable: not JSON, an error answer, or not an instant vector.

    """
    try:
        answer = _DECODER.decode(raw)
    except msgspec.ValidationError:  # JSON, but not the types above: read leniently
        return _lenient_rows(vector(decode(raw)), labels)
    except msgspec.DecodeError:
        raise SourceUnavailable(_NOT_JSON) from None
    if answer.status != "success":
        raise SourceUnavailable(_failed(answer.error))
    if answer.data is None or answer.data.resultType != "vector":
        raise SourceUnavailable("not an instant-vector answer")
    result = answer.data.result
    if labels is None:
        return [(s.metric, None if s.value is None else s.value[1]) for s in result]
    # The fleet's label counts spelled out: a generator or map per series costs twice as much.
    if len(labels) == 1:
        (a,) = labels
        return [(s.metric.get(a, ""), None if s.value is None else s.value[1]) for s in result]
    if len(labels) == 2:
        a, b = labels
        return [(m.get(a, ""), m.get(b, ""), None if s.value is None else s.value[1])
                for s in result for m in (s.metric,)]
    if len(labels) == 3:
        a, b, c = labels
        return [(m.get(a, ""), m.get(b, ""), m.get(c, ""), None if s.value is None else s.value[1])
                for s in result for m in (s.metric,)]
    if len(labels) == 4:
        a, b, c, d = labels
        return [(m.get(a, ""), m.get(b, ""), m.get(c, ""), m.get(d, ""), None if s.value is None else s.value[1])
                for s in result for m in (s.metric,)]
    return [(*[s.metric.get(name, "") for name in labels], None if s.value is None else s.value[1]) for s in result]


def _lenient_rows(result: list[Series], labels: Sequence[str] | None) -> list[Row]:
    """Rows of an answer decoded without types: a label value that is not a string as its text."""
    if labels is None:
        return [(s["metric"], _value_text(s)) for s in result]
    return [(*(_text(s["metric"].get(name)) for name in labels), _value_text(s)) for s in result]


def _text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)


def _value_text(series: Series) -> str | None:
    value = series.get("value")
    if isinstance(value, list) and len(value) == 2 and value[1] is not None:
        return value[1] if isinstance(value[1], str) else str(value[1])
    return None
