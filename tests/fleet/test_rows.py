"""Instant-vector answers read as rows (edgetop/sources/prometheus_rows.py): the fast way equals ``json.loads``.

The answers are those recorded from a real Prometheus (tests/fixtures/fleet/), written back
compactly as Prometheus writes them (the fast way) and indented (which only ``json.loads``
reads); tests/fleet/test_real_prometheus.py reads the live server's own bytes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from edgetop.errors import SourceUnavailable
from edgetop.fleet.queries import answer_labels
from edgetop.sources.prometheus_rows import Row, fast_rows, rows
from tests.fleet.replay import load

LABELS = answer_labels("site")


def _compact(answer: Any) -> bytes:
    return json.dumps(answer, separators=(",", ":"), ensure_ascii=False).encode()


def _by_json(answer: Any, labels: tuple[str, ...]) -> list[Row]:
    """What the rows must be, read the plain way from the decoded answer."""
    return [(*(str(s["metric"].get(name, "")) for name in labels), s["value"][1]) for s in answer["data"]["result"]]


@pytest.mark.parametrize("recording", ["three-reporting.json", "one-stopped.json"])
def test_every_recorded_answer_reads_the_same_both_ways(recording: str) -> None:
    _at, answers = load(recording)
    fast_ones = 0
    for name, answer in answers.items():
        labels = LABELS[name]
        if labels is None:  # ALERTS: every label, as a dict
            assert rows(_compact(answer), None) == [(s["metric"], s["value"][1]) for s in answer["data"]["result"]]
            continue
        expected = _by_json(answer, labels)
        fast = fast_rows(_compact(answer), labels)
        fast_ones += fast is not None
        assert fast in (None, expected), name
        assert rows(_compact(answer), labels) == expected, name
        assert rows(json.dumps(answer, indent=1).encode(), labels) == expected, name  # not compact: json.loads
        assert fast_rows(json.dumps(answer, indent=1).encode(), labels) is None
    assert fast_ones >= 12  # the recorded answers have Prometheus's plain shape: read the fast way


def _answer(*series: tuple[dict[str, str], str]) -> dict[str, Any]:
    return {"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": metric, "value": [1.5, value]} for metric, value in series]}}


@pytest.mark.parametrize(("series", "fast"), [
    ([({"instance": "a", "site": "s"}, "1"), ({"instance": "b", "site": "t"}, "0")], True),
    ([({"instance": "a", "site": "s"}, "1"), ({"instance": "b"}, "NaN")], True),  # a node without a site
    ([({"site": "s"}, "+Inf")], True),  # nor an instance: an empty label, as Prometheus means it
    ([({"instance": "a", "site": "s", "job": "x"}, "1")], False),  # a label not asked for
    ([({"instance": 'a"b\\c', "site": "<s>&"}, "1")], False),  # escaped in JSON
    ([({"instance": "é ü 漢", "site": "s{}]"}, "1e-05")], True),  # not escaped: read as is
    ([], True),
])
def test_label_sets_and_values_read_as_json_reads_them(series: list[tuple[dict[str, str], str]], fast: bool) -> None:
    answer = _answer(*series)
    labels = ("site", "instance")  # not in Prometheus's (sorted) order: given back as asked
    expected = _by_json(answer, labels)
    assert (fast_rows(_compact(answer), labels) is not None) == fast
    assert rows(_compact(answer), labels) == expected


def test_no_label_asked_and_every_label_asked() -> None:
    answer = _answer(({}, "3"))
    assert rows(_compact(answer), ()) == [("3",)]
    assert rows(_compact(answer), None) == [({}, "3")]
    labelled = _answer(({"instance": "a"}, "3"))
    assert rows(_compact(labelled), ()) == [("3",)]  # the instance is not asked for: json.loads, label dropped


def test_a_cut_answer_or_a_warning_goes_the_slow_way() -> None:
    whole = _compact(_answer(({"instance": "a"}, "1"), ({"instance": "b"}, "2")))
    cut = whole[:whole.rindex(b',{"metric"')] + b"]}}"  # a series boundary: still valid, one less
    assert rows(cut, ("instance",)) == [("a", "1")]
    with pytest.raises(SourceUnavailable, match="not JSON"):
        rows(whole[:-5], ("instance",))
    warned = json.loads(whole) | {"warnings": ['{"metric":{"instance":"c"},"value":[1,"3"]}']}
    assert fast_rows(_compact(warned), ("instance",)) is None
    assert rows(_compact(warned), ("instance",)) == [("a", "1"), ("b", "2")]


@pytest.mark.parametrize(("body", "reason"), [
    (b'{"status":"error","errorType":"bad_data","error":"parse error"}', "query failed: parse error"),
    (b'{"status":"success","data":{"resultType":"matrix","result":[]}}', "not an instant-vector answer"),
    (b"<html>", "the answer is not JSON"),
    (b'{"status":"success","data":{"resultType":"vector","result":[{"metric":{"instance":"a"}}]}}', None),
])
def test_errors_and_odd_answers(body: bytes, reason: str | None) -> None:
    if reason is None:  # a series without a value: its row says so
        assert rows(body, ("instance",)) == [("a", None)]
        return
    with pytest.raises(SourceUnavailable, match=reason):
        rows(body, ("instance",))


def test_a_large_answer_is_read_a_slice_at_a_time_to_the_same_rows() -> None:
    # 6,000 sensors (~0.5 MB): read in slices of whole series, so the GIL is let go between them.
    answer = _answer(*(({"instance": f"node-{i // 6:04d}", "sensor": f"hwmon1/temp{i % 6}"}, f"{i / 7:.3f}")
                       for i in range(6000)))
    raw = _compact(answer)
    assert len(raw) > 7 * (1 << 16)  # several slices
    expected = _by_json(answer, ("instance", "sensor"))
    assert fast_rows(raw, ("instance", "sensor")) == expected
    uneven = _answer(*(({"instance": f"n{i}"} if i % 5 else {"instance": f"n{i}", "sensor": "s"}, "1")
                       for i in range(6000)))  # some lack the label: the optional pattern, sliced too
    assert fast_rows(_compact(uneven), ("instance", "sensor")) == _by_json(uneven, ("instance", "sensor"))
