"""The store's metrics as prometheus_client families, and their encodings.

Speed: prometheus_client's text encoder costs ~20 µs a sample here (label sorting and
escaping through several calls each); a scrape of 100 domains and 20 switches is ~5,700
samples, so it alone took ~110 ms against the 20 ms target. ``fast_text`` renders the same
bytes in one pass over the metrics (tests/exporter compare it with ``generate_latest`` byte
for byte on the demo's whole scrape); OpenMetrics, asked for explicitly, stays the library's.

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

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client import Metric as Family
from prometheus_client import exposition
from prometheus_client.registry import Collector

from edgetop.model.spec import Metric

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


def to_families(metrics: Iterable[Metric], keep: Callable[[Metric], bool] = lambda m: True) -> list[Family]:
    """Group ``metrics`` by exposed name into families: one HELP, type and unit each.

    The first metric of a name fixes its type; a later one of another type is dropped
    (a family has one type). A counter named ``…_total`` becomes the family without the
    suffix, as prometheus_client wants; a counter without it stays whole (a bare counter).
    """
    families: dict[str, Family] = {}
    for m in metrics:
        if not keep(m):
            continue
        full = m.full_name
        counter = m.kind == "counter"
        family_name = full[: -len("_total")] if counter and full.endswith("_total") else full
        family = families.get(family_name)
        if family is None:
            kind = "counter" if counter else "gauge"
            unit = unit_of(family_name)
            family = Family(family_name, m.help or _fallback_help(full), kind, unit)
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

    def __init__(self, families: Sequence[Family]) -> None:
        """Serve ``families``."""
        self._families = families

    def collect(self) -> Iterator[Family]:
        """The families (prometheus_client's Collector protocol)."""
        yield from self._families


def _bare(family: Family) -> bool:
    return family.type == "counter" and not family.name.endswith("_total") and any(
        s.name == family.name for s in family.samples)


def encode_text(families: Sequence[Family]) -> bytes:
    """The text format 0.0.4, bare counters typed ``counter`` under their own name."""
    bare = [f.name for f in families if _bare(f)]
    shown: list[Family] = []
    for f in families:
        if f.name in bare:
            untyped = Family(f.name, f.documentation, "unknown", f.unit)
            untyped.samples = list(f.samples)
            shown.append(untyped)
        else:
            shown.append(f)
    body = exposition.generate_latest(ScrapeCollector(shown))
    for name in bare:
        body = body.replace(f"# TYPE {name} untyped\n".encode(), f"# TYPE {name} counter\n".encode(), 1)
    return body


def _openmetrics_ready(families: Sequence[Family]) -> list[Family]:
    out: list[Family] = []
    for f in families:
        if _bare(f):  # OpenMetrics: a counter's samples end in _total; keep the name, lose the type
            untyped = Family(f.name, f.documentation, "unknown", f.unit)
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


def fast_text(metrics: Iterable[Metric], keep: Callable[[Metric], bool] | None = None) -> bytes:
    """The text format 0.0.4 of ``metrics``, byte for byte what ``encode_text(to_families(...))`` gives."""
    # name → [kind, help, exposed name of HELP/TYPE, sample lines]; first-seen order, as to_families.
    families: dict[str, list[Any]] = {}
    # A domain's or an interface's label set is shared by dozens of its metrics: render it once.
    rendered: dict[tuple[tuple[str, str], ...], str] = {}
    numbers: dict[float, str] = {}  # 0, 1 and many counters repeat: format each value once
    for m in metrics:
        if keep is not None and not keep(m):
            continue
        full = f"{m.namespace}_{m.name}" if m.namespace else m.name
        counter = m.kind == "counter"
        family_name = full[:-6] if counter and full.endswith("_total") else full
        family = families.get(family_name)
        if family is None:
            help_text = m.help or _fallback_help(full)
            family = [counter, help_text, full if counter else family_name, []]
            families[family_name] = family
        elif family[0] != counter:
            continue
        value = numbers.get(m.value)
        if value is None:
            value = numbers[m.value] = go_float(m.value)
        if m.labels:
            labels = rendered.get(m.labels)
            if labels is None:
                labels = rendered[m.labels] = ",".join(f'{k}="{_escape_value(v)}"' for k, v in sorted(m.labels))
            family[3].append(f"{full}{{{labels}}} {value}\n")
        else:
            family[3].append(f"{full} {value}\n")
    out: list[str] = []
    for counter, help_text, shown, lines in families.values():
        out.append(f"# HELP {shown} {_escape_help(help_text)}\n# TYPE {shown} {'counter' if counter else 'gauge'}\n")
        out.extend(lines)
    return "".join(out).encode()


def encode(metrics: Sequence[Metric], accept: str | None, keep: Callable[[Metric], bool] | None = None) -> Encoded:
    """Encode for a scraper that sent ``accept`` (prometheus_client's negotiation)."""
    encoder, content_type = exposition.choose_encoder(accept or "")
    if content_type.startswith("application/openmetrics-text"):
        families = to_families(metrics, keep) if keep is not None else to_families(metrics)
        return Encoded(encoder(ScrapeCollector(_openmetrics_ready(families))), content_type)
    # Any text request gets the classic text format 0.0.4 (what Prometheus 2.x falls back to).
    return Encoded(fast_text(metrics, keep), exposition.CONTENT_TYPE_PLAIN_0_0_4)
