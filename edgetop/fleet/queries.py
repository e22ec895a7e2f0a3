"""The PromQL of one fleet round: what each node's row is made of, by name.

Each query asks for edgetop's own pre-processed families (``edgetop serve`` already turned
kernel files into verdicts on the node), reduced on the server where a node has many series
of which the row shows one (``topk by (instance)``), and filtered there where the row only
needs the exceptions (``> 0``, ``unless``), so that 1,000 nodes cost a few thousand series
per round, not hundreds of thousands.

Every answer keeps only the labels named in its ``by (...)``; :func:`answer_labels` lists
them, and the client reads exactly those (:mod:`edgetop.sources.prometheus_rows`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# How far back a node that stopped reporting is remembered, and the step of that look back:
# "not reporting since" is exact to within the step (the last sample's own timestamp is
# read at each step). Longer ago than the window: "since when unknown". A short
# window at a 1 s step makes a fresh outage's start exact at a small cost (120 steps).
SEEN_WINDOW = "1h"
SEEN_STEP = "15s"
RECENT_WINDOW = "2m"
RECENT_STEP = "1s"
_RE2_SPECIAL = re.compile(r"([\\.+*?()|\[\]{}^$])")


def _re2_escape(text: str) -> str:
    """``text`` matched literally by a PromQL (RE2) regex: only its metacharacters escaped.

    Python's ``re.escape`` also escapes spaces and ``#``, which RE2 refuses as unknown escapes.
    """
    return _RE2_SPECIAL.sub(r"\\\1", text)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def selector(job: str | None) -> str:
    """The matchers every query carries: ``job="edgetop"``, or none when ``job`` is empty."""
    return f"job={_quote(job)}" if job else ""


def fleet_queries(job: str | None, site_label: str = "site") -> dict[str, str]:
    """Name → PromQL for one round; the names are what :mod:`edgetop.fleet.build` reads.

    Each answer keeps only the labels the row shows (``max by``): 1,000 nodes' answers are
    parsed in Python every round, and repeated labels (job, site, uuid) were half their bytes.
    """
    s = selector(job)
    c = "," + s if s else ""
    site = "" if site_label == "instance" else f", {site_label}"  # a label twice in by () is refused
    return {
        "up": f"max by (instance{site}) (up{{{s}}})",
        # timestamp() gives the last scrape's own time; the version is a label of the series.
        "build": f"max by (instance, version{site}) (timestamp(edgetop_build_info{{{s}}}))",
        # The nodes seen within the look-back (a raw range: cheap) but not now: those whose
        # target is gone (a federating Prometheus lost their site) or whose scrape fails.
        # The reporting ones are left out on the server (``unless``): ``build`` has them.
        "seen": (f"max by (instance, version{site}) (last_over_time(edgetop_build_info{{{s}}}[{SEEN_WINDOW}]))"
                 f" unless on (instance) edgetop_build_info{{{s}}}"),
        # Only the non-zero counts: a reporting node without a row has raised none (build.py).
        "alerts": f"sum by (instance, severity) (edgetop_alerts{{{s}}}) > 0",
        "domain_steal": f"max by (instance, domain) (topk by (instance) (1, edgetop_domain_steal_ratio{{{s}}}))",
        "host_steal": f"max by (instance) (edgetop_cpu_steal_ratio{{{s}}})",
        # Every sensor, with only the labels the row needs: the one nearest its limit is
        # picked in Python (build.hottest_sensor), far cheaper for the server than in PromQL.
        "temp": f"max by (instance, sensor, chip, label) (edgetop_sensor_temperature_celsius{{{s}}})",
        "temp_high": f"max by (instance, sensor) (edgetop_sensor_temperature_high_celsius{{{s}}})",
        "temp_crit": f"max by (instance, sensor) (edgetop_sensor_temperature_critical_celsius{{{s}}})",
        "slaves_down": f"max by (instance, bond, slave) (edgetop_bond_slave_up{{{s}}} == 0)",
        "net_problems": f"max by (instance, kind) (edgetop_network_problems{{{s}}} > 0)",
        # The system's offset (source without a "/": chrony, sntp, ptp), not each server's.
        "ntp_offset": f'max by (instance, source) (edgetop_ntp_offset_seconds{{kind!="kernel",source!~".*/.*"{c}}})',
        "ntp_verdict": f'min by (instance) (edgetop_ntp_synchronized{{kind="all"{c}}})',
        "snmp_down": f"max by (instance, target) (edgetop_snmp_up{{{s}}} == 0)",
        "fs_fullest": (f"max by (instance, mountpoint) (topk by (instance) (1, 1 - node_filesystem_avail_bytes{{{s}}}"
                       f" / node_filesystem_size_bytes{{{s}}}))"),
        # Alerting rules (contrib/prometheus/edgetop-rules.yml) drop the job label in some
        # expressions (sum by (instance)): matched to the nodes by instance instead.
        "prom_alerts": "ALERTS",
    }


def answer_labels(site_label: str = "site") -> dict[str, tuple[str, ...] | None]:
    """Name → the labels each answer's series carry (those of its ``by``), read in this order.

    The sample's value follows them in each row; None reads every label (``ALERTS``).
    """
    site = () if site_label == "instance" else (site_label,)
    return {
        "up": ("instance", *site),
        "build": ("instance", "version", *site),
        "seen": ("instance", "version", *site),
        "alerts": ("instance", "severity"),
        "domain_steal": ("instance", "domain"),
        "host_steal": ("instance",),
        "temp": ("instance", "sensor", "chip", "label"),
        "temp_high": ("instance", "sensor"),
        "temp_crit": ("instance", "sensor"),
        "slaves_down": ("instance", "bond", "slave"),
        "net_problems": ("instance", "kind"),
        "ntp_offset": ("instance", "source"),
        "ntp_verdict": ("instance",),
        "snmp_down": ("instance", "target"),
        "fs_fullest": ("instance", "mountpoint"),
        "prom_alerts": None,
        "last_seen": ("instance", "version"),
        "recently_seen": ("instance",),
    }


def since_queries(job: str | None, instances: Iterable[str]) -> dict[str, str]:
    """When the nodes ``instances`` (not reporting) last reported: the second round's queries.

    Subqueries evaluate the selector at every step (360 steps an hour); asked for every node
    of 1,000 they cost more than the rest of the round, so only the silent ones are asked.
    """
    names = sorted(set(instances))
    if not names:
        return {}
    s = selector(job)
    c = "," + s if s else ""
    matcher = f"instance=~{_quote('|'.join(_re2_escape(n) for n in names))}{c}"
    build = f"timestamp(edgetop_build_info{{{matcher}}})"
    return {
        "last_seen": f"max by (instance, version) (max_over_time({build}[{SEEN_WINDOW}:{SEEN_STEP}]))",
        "recently_seen": f"max by (instance) (max_over_time({build}[{RECENT_WINDOW}:{RECENT_STEP}]))",
    }
