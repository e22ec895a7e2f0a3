"""The store's metrics as prometheus_client families, and their encodings.

Speed: prometheus_client's text encoder costs ~20 µs a sample here (label sorting and
escaping through several calls each); a scrape of 100 domains and 20 switches is ~5,700
samples, so it alone took ~110 ms against the 20 ms target. ``fast_text`` renders the same
bytes in one pass over the metrics (tests/exporter compare it with ``generate_latest`` byte
for byte on the demo's whole scrape); ``openmetrics.OpenMetricsRenderer`` does the same for
OpenMetrics, which Prometheus 2.x asks for first.

A scrape reads the engine's store, never a source: ``StoreCollector.collect`` turns the
latest samples' ``Metric`` lists into ``prometheus_client`` metric families, and
``encode`` renders them in the format the scraper asked for (``choose_encoder``: the text
format 0.0.4, or OpenMetrics 1.0 when the ``Accept`` header names it).

One departure from prometheus_client: snmp_exporter's if_mib counters (``ifHCInOctets``)
have no ``_total`` suffix, which the client library's text encoder would append to the
TYPE line only. Such a *bare* counter is rendered as untyped by the library and its TYPE
line set back to ``counter`` here, so the text says what snmp_exporter's says. OpenMetrics
requires the ``_total`` suffix on a counter's samples, and Prometheus 2.x asks for OpenMetrics
first: renamed samples (``ifHCInOctets_total``) would miss every snmp_exporter dashboard, so
there a bare counter is typed ``unknown`` under its own name (valid OpenMetrics, the name kept;
snmp_exporter itself never offers OpenMetrics, client_golang's default).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from math import copysign
from typing import Any

from prometheus_client import Metric as ClientFamily
from prometheus_client import exposition
from prometheus_client.registry import Collector

from edgetop.model.spec import Family, Labels, Metric, flat

# Base units (Prometheus naming practice) recognised at the end of a family's name; the
# family's OpenMetrics UNIT is the one its name ends with.
_UNITS = ("seconds", "bytes", "celsius", "hertz", "ratio", "volts", "amperes", "joules", "watts", "rpm")


@dataclass(frozen=True, slots=True)
class Encoded:
    """One encoded scrape: the body and its Content-Type."""

    body: bytes
    content_type: str


def unit_of(family_name: str) -> str:
    """The base unit a family's name ends with (``node_network_speed_bytes`` → ``bytes``), or ''."""
    for unit in _UNITS:
        if family_name.endswith("_" + unit):
            return unit
    return ""


def _fallback_help(name: str) -> str:
    return name.replace("_", " ")


def to_families(exposed: Iterable[Metric | Family],
                keep: Callable[[Metric | Family], bool] = lambda m: True) -> list[ClientFamily]:
    """Group ``exposed`` by exposed name into prometheus_client families: one HELP, type and unit each.

    The first metric of a name fixes its type; a later one of another type is dropped
    (a family has one type). A counter named ``…_total`` becomes the family without the
    suffix, as prometheus_client wants; a counter without it stays whole (a bare counter).
    """
    families: dict[str, ClientFamily] = {}
    for m in flat(e for e in exposed if keep(e)):
        full = m.full_name
        counter = m.kind == "counter"
        family_name = full[: -len("_total")] if counter and full.endswith("_total") else full
        family = families.get(family_name)
        if family is None:
            kind = "counter" if counter else "gauge"
            unit = unit_of(family_name)
            family = ClientFamily(family_name, m.help or _fallback_help(full), kind, unit)
            families[family_name] = family
        elif family.type != ("counter" if counter else "gauge"):
            continue
        if not family.documentation and m.help:
            family.documentation = m.help
        family.add_sample(full, dict(m.labels), float(m.value))
    return list(families.values())


class ScrapeCollector(Collector):
    """A prometheus_client custom collector over one scrape's families, read from the store once.

    The library's encoders take a collector (``registry.collect()``); this one hands them
    what the store held when the request came, so no encoder ever reaches a source.
    """

    def __init__(self, families: Sequence[ClientFamily]) -> None:
        """Serve ``families``."""
        self._families = families

    def collect(self) -> Iterator[ClientFamily]:
        """The families (prometheus_client's Collector protocol)."""
        yield from self._families


def _bare(family: ClientFamily) -> bool:
    return family.type == "counter" and not family.name.endswith("_total") and any(
        s.name == family.name for s in family.samples)


def encode_text(families: Sequence[ClientFamily]) -> bytes:
    """The text format 0.0.4, bare counters typed ``counter`` under their own name."""
    bare = [f.name for f in families if _bare(f)]
    shown: list[ClientFamily] = []
    for f in families:
        if f.name in bare:
            untyped = ClientFamily(f.name, f.documentation, "unknown", f.unit)
            untyped.samples = list(f.samples)
            shown.append(untyped)
        else:
            shown.append(f)
    body = exposition.generate_latest(ScrapeCollector(shown))
    for name in bare:
        body = body.replace(f"# TYPE {name} untyped\n".encode(), f"# TYPE {name} counter\n".encode(), 1)
    return body


def _openmetrics_ready(families: Sequence[ClientFamily]) -> list[ClientFamily]:
    out: list[ClientFamily] = []
    for f in families:
        if _bare(f):  # OpenMetrics: a counter's samples end in _total; keep the name, lose the type
            untyped = ClientFamily(f.name, f.documentation, "unknown", f.unit)
            untyped.samples = list(f.samples)
            out.append(untyped)
        else:
            out.append(f)
    return out


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_value(text: str) -> str:
    if "\\" in text or "\n" in text or '"' in text:
        return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
    return text


_INF = float("inf")


def go_float(value: float) -> str:
    """prometheus_client's ``floatToGoString`` (Go's formatting of a sample value), without its overhead."""
    d = float(value)
    if d != d:  # noqa: PLR0124 - NaN is the one value not equal to itself
        return "NaN"
    if d == _INF:
        return "+Inf"
    if d == -_INF:
        return "-Inf"
    s = repr(d)
    if d > 0:
        dot = s.find(".")
        if dot > 6:  # Go switches to an exponent sooner than Python
            mantissa = f"{s[0]}.{s[1:dot]}{s[dot + 1:]}".rstrip("0.")
            return f"{mantissa}e+{dot - 1:02d}"
    return s


class TextRenderer:
    """The text format 0.0.4, byte for byte what ``encode_text(to_families(...))`` gives.

    One per exporter: it keeps, from one scrape to the next, what does not change with the
    data. A series' labels outlive its values (a domain, a disk, an interface keeps its
    labels for its whole life while its counters move every tick), so each series' line
    prefix (``name{labels} ``: sorted, escaped, joined) is rendered once and kept. A
    ``Family`` whose labels come in the same order as last time (a collector walks its
    domains and ports in the same order every tick) takes its prefixes as the list kept
    for it, after one comparison of its labels with the kept ones; then its lines are
    joined in C (``map``), with no Python step per sample but for a value seen neither
    in this scrape nor the last one. Otherwise each series' prefix is looked up by name
    and labels. Value texts are kept too, keyed by the value (formatting a float is a
    pure function; 0, 1 and unchanged gauges repeat).

    Nothing else is kept: which families and series a scrape shows and every value come
    from the metrics it is given, so a series that is gone is gone from the next scrape,
    a changed label is a new series, and no value outlives the store's. What is kept is
    bounded: when it outnumbers twice the last scrape's families or samples (labels that
    keep changing, series that come and go), it is dropped and rebuilt. Thread-safe: the
    exporter renders on two threads; renders take turns (a render is CPU only, and the
    GIL would serialise them anyway).
    """

    def __init__(self) -> None:
        """Start with nothing kept."""
        self._prefixes: dict[str, dict[Labels, str]] = {}  # exposed name → labels → 'name{labels} '
        self._kept = 0  # prefixes kept, over every name
        # (exposed name, first labels) → a family's labels, in order, and their prefixes
        self._runs: dict[tuple[str, Labels], _Run] = {}
        self._lock = threading.Lock()

    @property
    def kept_series(self) -> int:
        """How many series' line prefixes are kept (at most twice the last scrape's samples, after it)."""
        return self._kept

    def render(self, exposed: Iterable[Metric | Family],
               keep: Callable[[Metric | Family], bool] | None = None) -> bytes:
        """The text format 0.0.4 of ``exposed`` (families in first-seen order, as ``to_families``)."""
        with self._lock:
            return self._render(exposed, keep)

    def _render(self, exposed: Iterable[Metric | Family], keep: Callable[[Metric | Family], bool] | None) -> bytes:
        # family name → [counter?, help, exposed name of HELP/TYPE, segments]; first-seen order. A
        # segment is [sample name, labels, values]: a family's samples of one name in a row,
        # gathered across items (the same family from each SNMP target, single Metrics) and
        # rendered in one pass each, once every item is in.
        families: dict[str, list[Any]] = {}
        for item in exposed:
            if keep is not None and not keep(item):
                continue
            if isinstance(item, Family) and not item.labels:  # no samples, no family: no HELP, no TYPE
                continue
            full = f"{item.namespace}_{item.name}" if item.namespace else item.name
            counter = item.kind == "counter"
            family_name = full[:-6] if counter and full.endswith("_total") else full
            family = families.get(family_name)
            if family is None:
                family = families[family_name] = [counter, item.help or _fallback_help(full),
                                                  full if counter else family_name, []]
            elif family[0] != counter:  # a family has one type: the first sample's
                continue
            segments = family[3]
            if not segments or segments[-1][0] != full:
                segments.append([full, [], []])
            if isinstance(item, Family):
                segments[-1][1] += item.labels
                segments[-1][2] += item.values
            else:
                segments[-1][1].append(item.labels)
                segments[-1][2].append(item.value)
        out: list[str] = []
        samples = groups = 0
        for family_name, (counter, help_text, shown, segments) in families.items():
            out.append(self._head(family_name, counter, help_text, shown, segments))
            for full, labels, values in segments:
                out += self._lines(full, labels, values)
                samples += len(values)
            groups += len(segments)
        out.append(self._end)
        self._bound(samples, groups)
        return "".join(out).encode()

    # What the text format and OpenMetrics (``OpenMetricsRenderer``) write differently: a
    # family's header, a series' line prefix and the body's last line; the rest is shared.
    _end = ""

    def _head(self, family_name: str, counter: bool, help_text: str, shown: str,
              segments: list[Any]) -> str:
        """A family's HELP and TYPE lines, under ``shown`` (the text format names a counter with ``_total``)."""
        return f"# HELP {shown} {_escape_help(help_text)}\n# TYPE {shown} {'counter' if counter else 'gauge'}\n"

    def _series(self, full: str, labels: Labels) -> str:
        """A series' line prefix, ``name{labels} ``."""
        return _line_prefix(full, labels)

    def _lines(self, full: str, labels: Sequence[Labels], values: Sequence[float]) -> list[str]:
        """One family's sample lines, each as its prefix and its value's text."""
        key = (full, labels[0])
        run = self._runs.get(key)
        if run is None or run.labels != labels:  # new, or its series changed: look each one up
            run = self._runs[key] = _Run(labels, [self._prefix(full, one) for one in labels])
        kept = run.texts
        texts: list[str | None] = list(map(kept.get, values))
        if None in texts:  # values this family did not have last time: formatted here, once
            for i, text in enumerate(texts):
                if text is None:
                    value = values[i]
                    # inline, the common case: a float that go_float gives as repr
                    texts[i] = kept[value] = (repr(value) + "\n" if value.__class__ is float and -_INF < value < 1e6
                                              else _value_text(value))
            if len(kept) > 2 * len(values):  # counters move on: keep this scrape's values only
                run.texts = kept = dict(zip(values, texts, strict=True))  # type: ignore[arg-type]  # no None left
            kept[0.0] = "0.0\n"  # the key of -0.0 too: see below
        if 0.0 in values and min(map(copysign, repeat(1.0), values)) < 0:  # a -0.0, maybe, with 0.0's text
            for i, value in enumerate(values):
                if not value:
                    texts[i] = "-0.0\n" if copysign(1.0, value) < 0 else "0.0\n"
        # Each line's two pieces side by side, joined with the rest of the body at the end:
        # no string per line (two slice assignments, in C).
        pieces: list[str] = [""] * (2 * len(texts))
        pieces[::2] = run.prefixes
        pieces[1::2] = texts  # type: ignore[assignment]  # no None left
        return pieces

    def _prefix(self, full: str, labels: Labels) -> str:
        known = self._prefixes.get(full)
        if known is None:
            known = self._prefixes[full] = {}
        prefix = known.get(labels)
        if prefix is None:
            prefix = known[labels] = self._series(full, labels)
            self._kept += 1
        return prefix

    def _bound(self, samples: int, groups: int) -> None:
        """Drop what is kept once it outgrows the scrape that just ended."""
        if self._kept > 2 * samples:  # series come and go, or labels keep changing: start over
            self._prefixes.clear()
            self._kept = 0
        if len(self._runs) > 2 * groups:
            self._runs.clear()


class _Run:
    """One family's series as the last scrape had them: labels in order, line prefixes, value texts."""

    __slots__ = ("labels", "prefixes", "texts")

    def __init__(self, labels: Sequence[Labels], prefixes: list[str]) -> None:
        self.labels = labels
        self.prefixes = prefixes
        self.texts: dict[float, str] = {0.0: "0.0\n"}  # value → text; 0.0's text for -0.0 too, mended after


def _value_text(value: float) -> str:
    """A sample value's text, and its line's newline: ``go_float``'s, in fewer steps for most values."""
    if value.__class__ is float:
        if -_INF < value < 1e6:  # what go_float gives as repr
            return repr(value) + "\n"
        if value < _EXACT_INTEGERS and value.is_integer():  # a counter: 1e6 <= value < 2**53
            # An integer float below 2**53 is exact, so its shortest digits are the integer's
            # (trailing zeros aside): Go's exponent form from str(int), with no second float formatting.
            digits = str(int(value))
            tail = digits[1:].rstrip("0")
            return f"{digits[0]}.{tail}{_EXPONENTS[len(digits)]}" if tail else digits[0] + _EXPONENTS[len(digits)]
    return go_float(value) + "\n"


_EXACT_INTEGERS = 2.0**53
_EXPONENTS = {n: f"e+{n - 1:02d}\n" for n in range(7, 17)}  # by the number of digits of an integer >= 1e6


def _line_prefix(full: str, labels: Labels) -> str:
    """``name{labels} ``: labels sorted by name, values escaped (prometheus_client's order)."""
    if not labels:
        return full + " "
    return full + "{" + ",".join(f'{k}="{_escape_value(v)}"' for k, v in sorted(labels)) + "} "


def fast_text(exposed: Iterable[Metric | Family], keep: Callable[[Metric | Family], bool] | None = None) -> bytes:
    """The text format 0.0.4 of ``exposed`` by a renderer of its own (nothing kept from any other scrape)."""
    return TextRenderer().render(exposed, keep)


def encode(exposed: Sequence[Metric | Family], accept: str | None,
           keep: Callable[[Metric | Family], bool] | None = None, renderer: TextRenderer | None = None,
           openmetrics: TextRenderer | None = None) -> Encoded:
    """Encode for a scraper that sent ``accept`` (prometheus_client's negotiation).

    Args:
        exposed: The scrape's metrics and families.
        accept: The request's ``Accept`` header.
        keep: Which of ``exposed`` to show (all without it).
        renderer: The exporter's text format renderer (a new one without it).
        openmetrics: The exporter's ``OpenMetricsRenderer`` (a sibling module's, so it comes in
            from the caller); without one, prometheus_client's own encoder, the reference.

    Returns:
        The body and its Content-Type.

    """
    encoder, content_type = exposition.choose_encoder(accept or "")
    if content_type.startswith("application/openmetrics-text"):
        if openmetrics is not None:
            return Encoded(openmetrics.render(exposed, keep), content_type)
        families = to_families(exposed, keep) if keep is not None else to_families(exposed)
        return Encoded(encoder(ScrapeCollector(_openmetrics_ready(families))), content_type)
    # Any text request gets the classic text format 0.0.4 (what Prometheus 2.x falls back to).
    body = (renderer or TextRenderer()).render(exposed, keep)
    return Encoded(body, exposition.CONTENT_TYPE_PLAIN_0_0_4)
