r"""OpenMetrics 1.0 by the kept renderer: byte for byte what prometheus_client's encoder writes.

Prometheus 2.x asks for OpenMetrics first, so a real scrape is an OpenMetrics one; through
``prometheus_client.openmetrics.exposition.generate_latest`` it cost twice the text format's
kept renderer. ``OpenMetricsRenderer`` is that renderer with OpenMetrics' header, line
prefix and last line; everything it keeps, and why, is ``TextRenderer``'s.

What the library writes (prometheus_client 0.26, ``escaping=underscores``, its default), and
so what this writes: ``# HELP``, ``# TYPE`` and, for a family with a unit, ``# UNIT`` under the
family's name (a counter's without ``_total``), that name kept when it is a valid legacy
metric name and its other characters replaced by ``_`` otherwise; HELP text and label values
with ``\``, newline and ``"`` escaped; a sample's name with every character but ASCII letters,
digits (not first) and ``_`` replaced by ``_`` (a colon too, unlike the family's); label names
kept when valid and not reserved (``__``), their odd characters replaced otherwise; values as
the text format's; ``# EOF`` last. A bare counter (``ifHCInOctets``, no ``_total``) is typed
``unknown`` under its own name, as ``_openmetrics_ready`` has it: OpenMetrics wants ``_total``
on a counter's samples, and renamed samples would miss snmp_exporter's dashboards.
tests/exporter/test_openmetrics_renderer.py compares it with the library over successive scrapes.
"""

from __future__ import annotations

import re
from typing import Any

from edgetop.export.exposition import TextRenderer, unit_of
from edgetop.model.spec import Labels

# prometheus_client.validation's patterns, as its escaping matches them (``$`` also before a
# final newline: a name ending in one counts as valid there, so it does here).
_LEGACY_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LEGACY_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_RESERVED_LABEL_NAME = re.compile(r"^__.*$")
# The characters its underscore escaping replaces: anything but an ASCII letter, ``_`` or a
# digit after the first character; a colon too in a sample or label name, not in a family's.
_NOT_LABEL_RUNE = re.compile(r"[^a-zA-Z0-9_]|^[0-9]")
_NOT_METRIC_RUNE = re.compile(r"[^a-zA-Z0-9_:]|^[0-9]")


def _escape_text(text: str) -> str:
    """HELP text and label values: backslash, newline and double quote escaped."""
    if "\\" in text or "\n" in text or '"' in text:
        return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
    return text


def family_name_text(name: str) -> str:
    """A family's name as the library writes it in HELP, TYPE and UNIT lines."""
    if not name or _LEGACY_METRIC_NAME.match(name):
        return name
    return _NOT_METRIC_RUNE.sub("_", name)


def sample_name_text(name: str) -> str:
    """A sample's name as the library writes it: escaped always, with the label name's characters."""
    return _NOT_LABEL_RUNE.sub("_", name)


def label_name_text(name: str) -> str:
    """A label's name as the library writes it: kept when valid and not reserved, else escaped."""
    if not name or (_LEGACY_LABEL_NAME.match(name) and not _RESERVED_LABEL_NAME.match(name)):
        return name
    return _NOT_LABEL_RUNE.sub("_", name)


class OpenMetricsRenderer(TextRenderer):
    """OpenMetrics 1.0, byte for byte what the library's encoder gives over ``_openmetrics_ready(to_families(...))``.

    One per exporter beside its ``TextRenderer``: the two formats' line prefixes differ
    (a sample's name escaped here), so each keeps its own. Thread-safe as ``TextRenderer``.
    """

    _end = "# EOF\n"

    def _head(self, family_name: str, counter: bool, help_text: str, shown: str,
              segments: list[Any]) -> str:
        """A family's HELP, TYPE and (with a unit) UNIT lines, under the family's name."""
        # A bare counter: a sample under the family's own name (the others' have ``_total``,
        # which the family's name lacks). The library also asks that the family's name not
        # end in ``_total``: only ``x_total_total``'s family does, and its samples are not bare.
        if counter and any(s[0] == family_name for s in segments):
            kind = "unknown"
        else:
            kind = "counter" if counter else "gauge"
        name = family_name_text(family_name)
        head = f"# HELP {name} {_escape_text(help_text)}\n# TYPE {name} {kind}\n"
        unit = unit_of(family_name)
        return head + f"# UNIT {name} {unit}\n" if unit else head

    def _series(self, full: str, labels: Labels) -> str:
        """``name{labels} ``: names escaped as the library does, labels sorted by name, values escaped."""
        name = sample_name_text(full)
        if not labels:
            return name + " "
        return name + "{" + ",".join(f'{label_name_text(k)}="{_escape_text(v)}"'
                                    # a dict first, as the library's samples hold labels: a name twice, the last value
                                    for k, v in sorted(dict(labels).items())) + "} "
