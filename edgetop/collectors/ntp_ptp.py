"""PTP: linuxptp's ``pmc`` asking ptp4l ``GET TIME_STATUS_NP`` and ``GET PORT_DATA_SET``.

``master_offset`` (ns) is ptp4l's offset from master: the local PTP clock minus the
grandmaster (positive: local ahead), the same sign as edgetop's rows. With hardware
timestamping the local PTP clock is the NIC's PHC, not the system clock (phc2sys
copies one to the other), and the meaning says so. A port in SLAVE state with a
grandmaster present is synchronised; UNCALIBRATED means still locking.
"""

from __future__ import annotations

import math
import os
import re

import msgspec

from edgetop.collectors.ntp_types import CLOCK, TimeReport, TimeRow
from edgetop.config_schema import PtpConfig
from edgetop.errors import ParseError, SourceUnavailable
from edgetop.sources.process import HOST_COMMANDS, CommandRunner

_RESPONSE = re.compile(r"^\s*(\S+)\s+seq\s+\d+\s+RESPONSE\s+MANAGEMENT\s+(\w+)\s*$")
_FIELD = re.compile(r"^\s+(\w+)\s+(\S+)\s*$")
PORT_STATES = frozenset({"INITIALIZING", "FAULTY", "DISABLED", "LISTENING", "PRE_MASTER", "MASTER", "PASSIVE",
                         "UNCALIBRATED", "SLAVE", "GRAND_MASTER"})


class PtpStatus(msgspec.Struct, frozen=True):
    """What ptp4l answered.

    Attributes:
        master_offset_seconds: local PTP clock minus the grandmaster.
        gm_present: whether a grandmaster is known.
        gm_identity: the grandmaster's clock identity.
        port_state: the first port's state (SLAVE, MASTER, UNCALIBRATED…), None if not asked.
        mean_path_delay_seconds: not in TIME_STATUS_NP; None unless CURRENT_DATA_SET answered.

    """

    master_offset_seconds: float
    gm_present: bool
    gm_identity: str
    port_state: str | None
    mean_path_delay_seconds: float | None = None


def parse_pmc(text: str) -> PtpStatus | None:
    """Parse pmc's answers; None when ptp4l answered nothing (only "sending:" lines).

    Raises:
        ParseError: a TIME_STATUS_NP answer lacks or garbles a field.

    """
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in text.splitlines():
        head = _RESPONSE.match(line)
        if head:
            current = sections.setdefault(head.group(2), {})
            continue
        field = _FIELD.match(line)
        if field and current is not None:
            current.setdefault(field.group(1), field.group(2))
    ts = sections.get("TIME_STATUS_NP")
    if ts is None:
        return None
    try:
        offset_ns = float(ts["master_offset"])
        gm_present = {"true": True, "false": False}[ts["gmPresent"]]
        gm_identity = ts["gmIdentity"]
    except (KeyError, ValueError) as err:
        raise ParseError(f"pmc: TIME_STATUS_NP lacks or garbles {err}") from err
    if not math.isfinite(offset_ns) or abs(offset_ns) > 1e18:
        raise ParseError("pmc: master_offset out of range")
    state = sections.get("PORT_DATA_SET", {}).get("portState")
    if state is not None and state not in PORT_STATES:
        raise ParseError(f"pmc: unknown port state {state[:30]!r}")
    delay = sections.get("CURRENT_DATA_SET", {}).get("meanPathDelay")
    delay_s: float | None = None
    if delay is not None:
        try:
            delay_s = float(delay) / 1e9
        except ValueError as err:
            raise ParseError(f"pmc: bad meanPathDelay {delay[:30]!r}") from err
    return PtpStatus(offset_ns / 1e9, gm_present, gm_identity, state, delay_s)


def row_from_ptp(st: PtpStatus, domain: int) -> TimeRow:
    """Build the PTP clock row."""
    synced = st.gm_present and st.port_state in ("SLAVE", None)
    if st.port_state in ("MASTER", "GRAND_MASTER") or (not st.gm_present and st.port_state != "SLAVE"):
        # This node is the grandmaster (or alone): it has no offset from anyone.
        return TimeRow(kind="ptp", key="ptp", role=CLOCK, meaning=f"PTP domain {domain}: this node is the master",
                       synchronized=None, reference=st.gm_identity,
                       state=(st.port_state or "no grandmaster").lower())
    return TimeRow(
        kind="ptp", key="ptp", role=CLOCK, meaning=f"PTP domain {domain}: local PTP clock vs grandmaster",
        offset_seconds=st.master_offset_seconds, synchronized=synced, reference=st.gm_identity,
        state=(st.port_state or "slave").lower(), delay_seconds=st.mean_path_delay_seconds,
        details=(("grandmaster_present", st.gm_present), ("port_state", st.port_state)),
    )


# linuxptp's default uds_address (ptp4l(8)).
PTP4L_UDS = "/var/run/ptp4l"


def pmc_argv(cfg: PtpConfig) -> list[str]:
    """Build the pmc argv: over ptp4l's Unix socket (``-u``), zero boundary hops: ask the local ptp4l only."""
    argv = ["pmc", "-u", "-b", "0", "-d", str(cfg.domain)]
    if cfg.uds:
        argv += ["-s", cfg.uds]
    return [*argv, "GET TIME_STATUS_NP", "GET PORT_DATA_SET", "GET CURRENT_DATA_SET"]


def collect_ptp(cfg: PtpConfig, timeout: float, run: CommandRunner = HOST_COMMANDS) -> TimeReport:
    """Ask ptp4l through pmc.

    Raises:
        SourceUnavailable: pmc is absent, or no ptp4l answered.

    """
    where = cfg.uds or PTP4L_UDS
    if not os.path.exists(where):
        # ptp4l creates this socket when it starts; without it pmc would only wait
        # ~100 ms for an answer that cannot come (and slow every snapshot by that).
        raise SourceUnavailable(f"ptp4l not running (no socket {where}; domain {cfg.domain})")
    out = run(pmc_argv(cfg), timeout)
    status = parse_pmc(out.stdout)
    if status is None:
        raise SourceUnavailable(f"ptp4l not running (no answer on {where} in domain {cfg.domain})")
    return TimeReport("ptp", (row_from_ptp(status, cfg.domain),))
