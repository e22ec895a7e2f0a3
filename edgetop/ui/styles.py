"""The colours every pane and screen shares, in one place.

A threshold crossed is bold yellow (warning) or bold red (critical) everywhere; a
collector's status, an SNMP target's state and the CPU bar's segments look the same in
every pane and screen that shows them. Styles used by one pane only stay in that pane.
"""

from __future__ import annotations

from collections.abc import Mapping

from edgetop.config_schema import Level
from edgetop.model.alerts import Severity, level_above, level_below
from edgetop.model.checks import CheckStatus
from edgetop.model.reading import Status

# How a value that crossed a threshold is coloured (model/alerts.py decides which).
SEVERITY_STYLE: Mapping[Severity, str] = {Severity.WARNING: "bold yellow", Severity.CRITICAL: "bold red"}
# An alert line's severity word on the overview.
ALERT_STYLE: Mapping[Severity, str] = {Severity.WARNING: "yellow", Severity.CRITICAL: "bold red"}
OK_STYLE = "green"

# A collector's status (overview source lines, the sources screen).
STATUS_STYLE: Mapping[Status, str] = {Status.OK: "green", Status.UNAVAILABLE: "yellow", Status.FAILED: "bold red"}
# The ``unavailable: reason`` banner above a pane's last values.
BANNER_STYLE: Mapping[Status, str] = {Status.UNAVAILABLE: "bold yellow", Status.FAILED: "bold red"}

# One word of health on an overview line: fine, worth a look, act now.
HEALTH_OK, HEALTH_WARN, HEALTH_BAD = "green", "yellow", "bold red"

# A set-up check's verdict (the Checks pane, the overview's count).
CHECK_STYLE: Mapping[CheckStatus, str] = {
    CheckStatus.PASS: "green", CheckStatus.WARN: "bold yellow", CheckStatus.FAIL: "bold red",
    CheckStatus.UNKNOWN: "dim",
}

# An SNMP target's state (the pane's targets table, the detail screen).
SNMP_STATUS_STYLE: Mapping[str, str] = {"up": "green", "down": "bold red", "error": "bold yellow"}

# CPU bar segments, in the order htop uses: user, system, irq, iowait, steal. Unlike htop,
# system time is not red: red on edgetop's screens means a fault (a critical alert, the
# kiosk's CRITICAL), and a busy kernel is not one (issue 14: on the kiosk the largest red
# area was the CPU bar's system time).
CPU_SEGMENTS: tuple[tuple[str, str], ...] = (
    ("user_ratio", "green"), ("nice_ratio", "blue"), ("system_ratio", "bright_blue"), ("irq_ratio", "magenta"),
    ("softirq_ratio", "magenta"), ("iowait_ratio", "grey50"), ("steal_ratio", "bold yellow"),
    ("guest_ratio", "cyan"),
)


def level_style(severity: Severity | None, ok: str = "") -> str:
    """The style of a value at ``severity``; ``ok`` when it crossed no threshold."""
    return ok if severity is None else SEVERITY_STYLE.get(severity, ok)


def above_style(value: float | None, level: Level, ok: str = OK_STYLE) -> str:
    """Red for critical, yellow for warning, ``ok`` (green) otherwise; higher is worse."""
    return level_style(level_above(value, level), ok)


def below_style(value: float | None, level: Level, ok: str = OK_STYLE) -> str:
    """Red or yellow once ``value`` fell to the level (lower is worse); uncoloured when unknown."""
    return "" if value is None else level_style(level_below(value, level), ok)
