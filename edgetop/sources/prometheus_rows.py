"""Instant-vector answers of the Prometheus HTTP API, read as rows of only the labels asked for.

A fleet round reads tens of thousands of series, and then only two or three strings of each.
Here a series becomes one tuple: the values of the labels asked for, in the order asked,
then the sample's value as the API's text (``"0.25"``, ``"NaN"``).

The answer is decoded by ``msgspec.json.decode`` into :class:`msgspec.Struct` types that
declare only the fields read (``status``, ``error``, ``data.resultType``, and each series'
``metric`` and ``value``): a JSON library, in C, which checks the types as it reads and
skips every other field (``warnings``, ``errorType``, ``infos``) without building it. Each
series' ``metric`` is decoded into a Struct made for the label tuple asked for (one ``str``
field per label, ``""`` when absent, other labels skipped; made once per tuple by
:func:`_reader`), so no dict is built per series and the row is read off named attributes;
asked for no label list, ``metric`` is a ``dict[str, str]``. It
reads any valid JSON the same, whatever its key order, spacing or escape sequences, which
is why it replaced the regular expressions this module had (Prometheus's compact encoding
only, proven by hand, else ``json.loads`` at a third of the speed). The API's format: https://prometheus.io/docs/prometheus/latest/querying/api/#instant-vectors
(an instant vector is ``[{"metric": {label: value}, "value": [unix time, "value"]}, ...]``,
label values and the sample value are strings).

An answer that is valid JSON but not of those types (a scalar result, a label value that is
not a string) is decoded without types and read leniently (:func:`vector`), as before.

The whole answer is decoded in one call, which holds the GIL (the hand-written reader this
replaced read 64 KiB slices to let the view's thread in between): on the benchmark's machine
(2 CPUs, load ~1.8) ~4 ms for a round's biggest answer (the sensors of 1,000 nodes, 0.8 MB,
6,000 series), shorter than a frame, and ~21 ms for a 2.8 MB one (30,000 series); the rows
then take ~1 ms and ~7 ms more, with the GIL let go between series as for any Python code.
With ``metric`` decoded as a dict the same answers took 6 + 2 ms and 27 + 15 ms.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from typing import Any, Generic, NamedTuple, TypeVar

import msgspec

from edgetop.errors import SourceUnavailable

Row = tuple[Any, ...]
"""One series: the label values asked for (str; ``""`` where the series lacks the label, as
Prometheus treats an empty label as an absent one), then the sample value's text (str, or
None when the answer gave none). Asked for no label list (``None``), a row is
``(metric: dict[str, Any], value text)`` instead."""

Series = dict[str, Any]
"""One element of an instant vector: ``{"metric": {label: value}, "value": [unix, "text"]}``."""


S = TypeVar("S")


class _Series(msgspec.Struct, gc=False):
    """One series of an instant vector, every label read: its labels and its sample (time, value's text)."""

    metric: dict[str, str]
    value: tuple[float | int, str] | None = None


class _Data(msgspec.Struct, Generic[S], gc=False):
    resultType: str  # the API's name
    result: list[S]


class _Answer(msgspec.Struct, Generic[S], gc=False):
    """The fields of an API answer read here; the others (warnings, errorType) are skipped."""

    status: str
    data: _Data[S] | None = None
    error: str | None = None


_DECODER = msgspec.json.Decoder(_Answer[_Series])


class _Reader(NamedTuple):
    """How the answers asked for one label tuple are decoded, and their series made rows."""

    decoder: msgspec.json.Decoder[Any]
    build: Callable[[list[Any]], list[Row]]


@functools.lru_cache(maxsize=64)
def _reader(labels: tuple[str, ...]) -> _Reader:
    """The decoder and row maker for ``labels`` (made once per label tuple, then reused).

    Each series' ``metric`` is decoded into a Struct of one ``str`` field per distinct label
    asked for, ``""`` when absent, every other label skipped by the decoder: no dict is built.
    Its fields are named ``f0``, ``f1``, ... and renamed to the labels (``__name__``, ``class``
    or ``metric`` are labels like any other); a label asked for twice is one field, read twice.
    """
    distinct = list(dict.fromkeys(labels))
    names = {f"f{i}": name for i, name in enumerate(distinct)}
    metric = msgspec.defstruct("_Metric", [(n, str, "") for n in names], rename=names, gc=False)
    series = msgspec.defstruct("_LabelledSeries", [("metric", metric),
                                                   ("value", tuple[float | int, str] | None, None)], gc=False)
    decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(_Answer[series])  # type: ignore[valid-type]
    if len(distinct) == len(labels) and len(labels) in _BUILD:
        return _Reader(decoder, _BUILD[len(labels)])
    fields = operator.attrgetter(*(f"f{distinct.index(name)}" for name in labels))  # 2+ names: a tuple
    return _Reader(decoder, lambda result: [(*fields(s.metric), None if (v := s.value) is None else v[1])
                                            for s in result])


# The fleet's label counts spelled out, the attributes named: twice as fast as attrgetter's tuple unpacked.
_BUILD: dict[int, Callable[[list[Any]], list[Row]]] = {
    0: lambda result: [(None if (v := s.value) is None else v[1],) for s in result],
    1: lambda result: [(s.metric.f0, None if (v := s.value) is None else v[1]) for s in result],
    2: lambda result: [((m := s.metric).f0, m.f1, None if (v := s.value) is None else v[1]) for s in result],
    3: lambda result: [((m := s.metric).f0, m.f1, m.f2, None if (v := s.value) is None else v[1]) for s in result],
    4: lambda result: [((m := s.metric).f0, m.f1, m.f2, m.f3, None if (v := s.value) is None else v[1])
                       for s in result],
}

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
    reader = None if labels is None else _reader(tuple(labels))
    try:
        answer = (_DECODER if reader is None else reader.decoder).decode(raw)
    except msgspec.ValidationError:  # JSON, but not the types above: read leniently
        return _lenient_rows(vector(decode(raw)), labels)
    except msgspec.DecodeError:
        raise SourceUnavailable(_NOT_JSON) from None
    if answer.status != "success":
        raise SourceUnavailable(_failed(answer.error))
    if answer.data is None or answer.data.resultType != "vector":
        raise SourceUnavailable("not an instant-vector answer")
    result = answer.data.result
    if reader is None:
        return [(s.metric, None if s.value is None else s.value[1]) for s in result]
    return reader.build(result)


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
