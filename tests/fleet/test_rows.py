"""Instant-vector answers read as rows (edgetop/sources/prometheus_rows.py): the same rows as ``json.loads`` gives.

The answers are those recorded from a real Prometheus (tests/fixtures/fleet/), written back
compactly as Prometheus writes them and indented; tests/fleet/test_real_prometheus.py reads
the live server's own bytes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from edgetop.errors import SourceUnavailable
from edgetop.fleet.queries import answer_labels
from edgetop.sources.prometheus_rows import Row, rows
from tests.fleet.replay import load

LABELS = answer_labels("site")


def _compact(answer: Any) -> bytes:
    return json.dumps(answer, separators=(",", ":"), ensure_ascii=False).encode()


def _by_json(answer: Any, labels: tuple[str, ...]) -> list[Row]:
    """What the rows must be, read the plain way from the decoded answer."""
    return [(*(str(s["metric"].get(name, "")) for name in labels), s["value"][1]) for s in answer["data"]["result"]]


@pytest.mark.parametrize("recording", ["three-reporting.json", "one-stopped.json"])
def test_every_recorded_answer_reads_as_json_loads_reads_it(recording: str) -> None:
    _at, answers = load(recording)
    for name, answer in answers.items():
        labels = LABELS[name]
        for raw in (_compact(answer), json.dumps(answer, indent=1).encode(), json.dumps(answer).encode()):
            if labels is None:  # ALERTS: every label, as a dict
                assert rows(raw, None) == [(s["metric"], s["value"][1]) for s in answer["data"]["result"]]
            else:
                assert rows(raw, labels) == _by_json(answer, labels), name


def _answer(*series: tuple[dict[str, str], str]) -> dict[str, Any]:
    return {"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": metric, "value": [1.5, value]} for metric, value in series]}}


@pytest.mark.parametrize("series", [
    [({"instance": "a", "site": "s"}, "1"), ({"instance": "b", "site": "t"}, "0")],
    [({"instance": "a", "site": "s"}, "1"), ({"instance": "b"}, "NaN")],  # a node without a site
    [({"site": "s"}, "+Inf")],  # nor an instance: an empty label, as Prometheus means it
    [({"instance": "a", "site": "s", "job": "x"}, "1")],  # a label not asked for
    [({"instance": 'a"b\\c', "site": "<s>&"}, "1")],  # escaped in JSON
    [({"instance": "é ü 漢", "site": "s{}]"}, "1e-05")],  # not escaped: read as is
    [],
])
@pytest.mark.parametrize("labels", [("site", "instance"), ("instance",), ("site", "instance", "job"),
                                    ("job", "instance", "site", "site"), ("instance", "a", "b", "site", "job")])
def test_label_sets_and_values_read_as_json_reads_them(series: list[tuple[dict[str, str], str]],
                                                        labels: tuple[str, ...]) -> None:
    answer = _answer(*series)  # labels not in Prometheus's (sorted) order: given back as asked
    assert rows(_compact(answer), labels) == _by_json(answer, labels)
    assert rows(json.dumps(answer).encode(), labels) == _by_json(answer, labels)  # \u escapes, spaces


def test_no_label_asked_and_every_label_asked() -> None:
    answer = _answer(({}, "3"))
    assert rows(_compact(answer), ()) == [("3",)]
    assert rows(_compact(answer), None) == [({}, "3")]
    labelled = _answer(({"instance": "a"}, "3"))
    assert rows(_compact(labelled), ()) == [("3",)]  # the instance is not asked for: dropped
    assert rows(_compact(labelled), None) == [({"instance": "a"}, "3")]


def test_labels_that_are_not_python_names_and_labels_of_other_types_not_asked_for() -> None:
    # Each label set is read into its own Struct: __name__, keywords and Struct words are labels like any other.
    answer = _answer(({"__name__": "up", "class": "c", "metric": "m", "f0": "x", "instance": "a"}, "1"),
                     ({"__name__": "up", "instance": "b"}, "0"))
    for labels in (("__name__", "class", "metric"), ("f1", "f0", "instance"), ("instance", "__name__", "instance"),
                   ("value", "status", "__name__", "class", "metric", "__struct_fields__")):
        assert rows(_compact(answer), labels) == _by_json(answer, labels), labels
    odd = _compact({"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {"instance": "a", "n": 7}, "value": [1, "2"]}]}})
    assert rows(odd, ("instance",)) == [("a", "2")]  # a label not asked for is skipped, whatever its type
    assert rows(odd, ("n",)) == [("7", "2")]  # asked for: read leniently, as its text


def test_a_cut_answer_is_not_json_and_warnings_are_skipped() -> None:
    whole = _compact(_answer(({"instance": "a"}, "1"), ({"instance": "b"}, "2")))
    cut = whole[:whole.rindex(b',{"metric"')] + b"]}}"  # a series boundary: still valid, one less
    assert rows(cut, ("instance",)) == [("a", "1")]
    for broken in (whole[:-5], whole[:len(whole) // 2], b"", whole + b"x", b"\xff" + whole):
        with pytest.raises(SourceUnavailable, match="not JSON"):
            rows(broken, ("instance",))
    warned = json.loads(whole) | {"warnings": ['{"metric":{"instance":"c"},"value":[1,"3"]}'], "infos": ["x"]}
    assert rows(_compact(warned), ("instance",)) == [("a", "1"), ("b", "2")]


@pytest.mark.parametrize(("body", "reason"), [
    (b'{"status":"error","errorType":"bad_data","error":"parse error"}', "query failed: parse error"),
    (b'{"status":"error","errorType":"timeout","error":"' + b"x" * 300 + b'"}', "query failed: x{200}$"),
    (b'{"status":"error","data":{"resultType":"vector","result":[]},"error":"partial"}', "query failed: partial"),
    (b'{"status":"error"}', "not a Prometheus API answer"),
    (b'{"status":"error","error":7}', "query failed: 7"),  # not a string: read leniently, same words
    (b'{"status":"success","data":{"resultType":"matrix","result":[]}}', "not an instant-vector answer"),
    (b'{"status":"success","data":{"resultType":"scalar","result":[1.5,"2"]}}', "not an instant-vector answer"),
    (b'{"status":"success"}', "not an instant-vector answer"),
    (b"[]", "not a Prometheus API answer"),
    (b"<html>", "the answer is not JSON"),
])
def test_errors_and_odd_answers(body: bytes, reason: str) -> None:
    with pytest.raises(SourceUnavailable, match=reason):
        rows(body, ("instance",))
    with pytest.raises(SourceUnavailable, match=reason):
        rows(body, None)


def test_series_of_odd_types_are_read_leniently() -> None:
    body = b'{"status":"success","data":{"resultType":"vector","result":[{"metric":{"instance":"a"}}]}}'
    assert rows(body, ("instance",)) == [("a", None)]  # a series without a value: its row says so
    odd = {"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {"instance": 7, "site": None}, "value": [1, 0.5]},  # not strings: their text
        {"metric": {"instance": "b"}, "value": [1]},  # no value text
        {"value": [1, "2"]},  # no labels at all: left out, as before
        "not a series"]}}
    assert rows(_compact(odd), ("instance", "site")) == [("7", "", "0.5"), ("b", "", None)]
    assert rows(_compact(odd), None) == [({"instance": 7, "site": None}, "0.5"), ({"instance": "b"}, None)]


def test_a_large_answer_reads_as_json_loads_reads_it() -> None:
    # 30,000 series, ~2.7 MB: a round's answers at 1,000 nodes before the queries kept only the labels used.
    answer = _answer(*(({"instance": f"node-{i // 30:04d}", "sensor": f"hwmon1/temp{i % 30}"}, f"{i / 7:.3f}")
                       for i in range(30000)))
    raw = _compact(answer)
    assert len(raw) > 2_500_000
    for labels in (("instance", "sensor"), ("sensor",), ("sensor", "instance", "chip"),
                   ("a", "sensor", "b", "instance")):
        assert rows(raw, labels) == _by_json(answer, labels)
    uneven = _answer(*(({"instance": f"n{i}"} if i % 5 else {"instance": f"n{i}", "sensor": "s"}, "1")
                       for i in range(6000)))  # some lack the label
    assert rows(_compact(uneven), ("instance", "sensor")) == _by_json(uneven, ("instance", "sensor"))
