"""The configuration's shape: frozen dataclasses, one per section.

Every field documents itself in ``contrib/edgetop.example.yaml``. Field metadata may
carry ``check``: a callable raising ValueError with a message when a value is bad, and
a mapping field ``key``: a callable that turns one key into the key to keep and a
deprecation note (or None), raising ValueError when the key is unknown.
Secrets are :class:`Secret` and are never printed (``repr`` is redacted).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from edgetop.hostport import split_host_port


class Secret:
    """A secret string (an SNMP key) that never shows itself in repr, logs or JSON."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        """Wrap ``value``."""
        self._value = value

    def reveal(self) -> str:
        """Return the secret; call only where the protocol needs it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('<redacted>')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))


def positive(value: Any) -> None:
    """Reject zero, negative and non-finite numbers (``.inf`` would make a lane sleep forever)."""
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    if value <= 0:
        raise ValueError("must be greater than 0")


# An hour: beyond it a "refresh" shows nothing live; far beyond it timers overflow.
MAX_INTERVAL_SECONDS = 3600.0


def interval_seconds(value: Any) -> None:
    """Reject refresh intervals that are not finite, not above 0, or above an hour.

    The one check for ``interval`` in the file and ``--interval`` on the command line:
    ``inf`` would freeze the clock and hang ``snapshot``, 0 would spin.
    """
    positive(value)
    if value > MAX_INTERVAL_SECONDS:
        raise ValueError(f"must be at most {MAX_INTERVAL_SECONDS:.0f} seconds")


def ratio(value: Any) -> None:
    """Reject values outside 0..1."""
    if not 0 <= value <= 1:
        raise ValueError("must be between 0 and 1 (a ratio, not a percentage)")


def port(value: Any) -> None:
    """Reject values that are not TCP/UDP ports."""
    if not 0 < value < 65536:
        raise ValueError("must be a port number 1-65535")


# Kiosk exit chords. Written as a user thinks of them ("ctrl+alt+x"); bound as the key
# names Textual really receives. A terminal without the kitty keyboard protocol sends
# ctrl+alt+x as ESC ^X, which Textual reads as ``ctrl+x`` (the ESC only marks one-character
# keys as alt); with the protocol (CSI-u) it arrives as ``alt+ctrl+x``. Chords a plain
# terminal cannot send, or sends as another key, are refused when the config is read:
# a kiosk whose chord never arrives cannot be left.
_CHORD_MODIFIERS: Mapping[str, str] = {"ctrl": "ctrl", "control": "ctrl", "alt": "alt", "meta": "alt",
                                       "option": "alt", "shift": "shift"}
_FUNCTION_KEYS = frozenset(f"f{n}" for n in range(1, 13))
# ctrl+h, ctrl+i and ctrl+m are the bytes of backspace, tab and enter: the terminal cannot tell them apart.
_CTRL_TWINS: Mapping[str, str] = {"h": "backspace", "i": "tab", "m": "enter"}


def chord_keys(chord: str) -> tuple[str, ...]:
    """Return the Textual key names a terminal delivers for ``chord``: the kitty (CSI-u) form first.

    Raises:
        ValueError: the chord is malformed, or no ordinary terminal can send it as itself.

    """
    *mod_names, key = [part.strip().lower() for part in chord.split("+")]
    mods: set[str] = set()
    for name in mod_names:
        if name not in _CHORD_MODIFIERS:
            raise ValueError(f"{name!r} is not a modifier a terminal sends (use ctrl, alt or shift)")
        mods.add(_CHORD_MODIFIERS[name])
    if key in _FUNCTION_KEYS:
        if mods:
            raise ValueError(f"{chord!r}: the Linux console sends no modified function keys; use {key} alone")
        return (key,)
    if len(key) != 1 or not key.isascii() or not (key.isalpha() or key.isdigit()):
        raise ValueError(f"{chord!r}: the key must be a letter, a digit or f1-f12 (modifiers joined with +)")
    if key.isdigit():
        if mods:
            raise ValueError(f"{chord!r}: terminals send modified digits as other keys or not at all")
        return (key,)
    if "ctrl" in mods and "shift" in mods:
        raise ValueError(f"{chord!r}: a terminal sends ctrl+shift+{key} exactly as ctrl+{key}")
    if "ctrl" in mods and key in _CTRL_TWINS:
        raise ValueError(f"{chord!r}: a terminal sends ctrl+{key} as {_CTRL_TWINS[key]}")
    if mods == {"ctrl", "alt"}:
        return (f"alt+ctrl+{key}", f"ctrl+{key}")
    if mods == {"shift"}:
        return (f"shift+{key}", key.upper())
    return ("+".join([*sorted(mods), key]),)


def cpu_list_text(value: Any) -> None:
    """Reject what is not a CPU list in the kernel's syntax (``0``, ``0-1,6``; cpuset(7) "List format").

    Only the form is checked here; whether those CPUs exist is known only on the node
    (``edgetop.cli`` says so when pinning fails).
    """
    text = str(value).strip()
    if not text:
        raise ValueError("an empty CPU list (give one like 0 or 0-1,6)")
    for part in text.split(","):
        low, dash, high = part.strip().partition("-")
        if not (low.isascii() and low.isdigit()) or (dash and not (high.isascii() and high.isdigit())):
            raise ValueError(f"{text!r} is not a CPU list (give one like 0 or 0-1,6)")
        if dash and int(high) < int(low):
            raise ValueError(f"{part.strip()!r}: a range must go up")


def kiosk_chord(value: Any) -> None:
    """Reject a kiosk exit chord that would never reach edgetop (see :func:`chord_keys`)."""
    chord_keys(str(value))


def _chk(fn: Any) -> dict[str, Any]:
    return {"check": fn}


# Every key binding id a config's ``keymap:`` may name: ``<scope>.<action>``, the scope
# being a pane id, a screen or dialog, ``table`` (any table's cursor) or ``app`` (global
# keys). tests/ui/test_binding_ids.py checks this list against the bindings the UI has.
KEYMAP_IDS: frozenset[str] = frozenset({
    *(f"app.{a}" for a in ("help", "quit", "freeze", "sources", "goto", "next_pane", "previous_pane")),
    *(f"app.pane_{k}" for k in range(10)),
    *(f"processes.{a}" for a in ("filter", "clear_filter", "sort_next", "sort_previous", "sort_invert",
                                 "sort_cpu", "sort_memory", "sort_pid", "sort_time", "toggle_kernel_threads",
                                 "pin_process")),
    *(f"domains.{a}" for a in ("filter", "clear_filter", "sort_next", "sort_previous", "sort_invert",
                               "sort_cpu", "sort_steal", "sort_squeeze", "sort_name")),
    "sensors.sort_hottest", "network.sort_traffic", "snmp.open", "time.sort_offset", "services.restart_service",
    "storage.next_section", "storage.previous_section",
    *(f"table.{a}" for a in ("cursor_up", "cursor_down", "page_up", "page_down", "cursor_home", "cursor_end",
                             "select")),
    "help.close", "sources.close", "goto.close", "goto.next", "goto.previous", "confirm.yes", "confirm.no",
    *(f"picker.{a}" for a in ("toggle", "core", "all", "apply", "cancel")),
    "domain_detail.close", "domain_detail.pin_vcpu", "snmp_detail.close",
    "events.next_kind", "events.previous_kind", "events.all_kinds",
    *(f"processes.{a}" for a in ("search", "search_next", "toggle_tree", "follow", "signal_process",
                                 "renice_process")),
    "ask_number.cancel",
    "app.alerts", "alerts.acknowledge", "alerts.history",
    "fleet.quit", "fleet.filter", "fleet.refresh", "fleet_table.detail", "fleet_detail.close", "fleet_detail.quit",
})

# Ids of edgetop 0.x, before every id had its scope: still accepted, with a warning.
KEYMAP_RENAMED: Mapping[str, str] = {
    **{old: f"app.{old}" for old in ("help", "quit", "freeze", "sources", "next_pane", "previous_pane")},
    **{f"pane_{k}": f"app.pane_{k}" for k in range(10)},
    **{old: f"processes.{old}" for old in ("filter", "clear_filter", "sort_next", "sort_previous", "sort_invert",
                                           "sort_cpu", "sort_memory", "sort_pid", "sort_time",
                                           "toggle_kernel_threads", "pin_process")},
    "sensors_sort_hottest": "sensors.sort_hottest", "network_sort_traffic": "network.sort_traffic",
    "restart_service": "services.restart_service", "close_help": "help.close", "close_sources": "sources.close",
    "confirm_yes": "confirm.yes", "confirm_no": "confirm.no",
    **{f"picker_{a}": f"picker.{a}" for a in ("toggle", "core", "all", "apply", "cancel")},
}


def keymap_id(key: str) -> tuple[str, str | None]:
    """Return the binding id ``key`` names today, and a deprecation note when it is an old id.

    Raises:
        ValueError: no binding has this id, old or new.

    """
    if key in KEYMAP_IDS:
        return key, None
    if key in KEYMAP_RENAMED:
        new = KEYMAP_RENAMED[key]
        return new, f"binding id {key!r} is now {new!r}; the old id still works, but rename it"
    close = difflib.get_close_matches(key, sorted(KEYMAP_IDS | KEYMAP_RENAMED.keys()), n=1)
    hint = f"did you mean {KEYMAP_RENAMED.get(close[0], close[0])}? " if close else ""
    raise ValueError(f"unknown key binding id ({hint}every id is listed in README.md, Keys)")


def canonical_keymap(keymap: Mapping[str, str]) -> dict[str, str]:
    """``keymap`` with old ids renamed and unknown ones left out (the loader already refused those)."""
    out: dict[str, str] = {}
    for key, keys in keymap.items():
        if key in KEYMAP_IDS or key in KEYMAP_RENAMED:
            out[KEYMAP_RENAMED.get(key, key)] = keys
    return out


@dataclass(frozen=True)
class Level:
    """A warn/critical pair; None disables that level."""

    warn: float | None = None
    crit: float | None = None


@dataclass(frozen=True)
class Thresholds:
    """Alert thresholds. Ratios are 0..1; ``*_below`` levels alert when a value falls under them."""

    cpu_steal_ratio: Level = Level(0.05, 0.15)
    cpu_iowait_ratio: Level = Level(0.20, 0.50)
    cpu_pressure_some_avg10: Level = Level(25.0, 60.0)
    memory_available_ratio_below: Level = Level(0.10, 0.05)
    memory_pressure_some_avg10: Level = Level(10.0, 40.0)
    swap_in_pages_per_second: Level = Level(100.0, 1000.0)
    temperature_celsius: Level = Level(None, None)
    domain_steal_ratio: Level = Level(0.05, 0.15)
    balloon_usable_ratio_below: Level = Level(0.10, 0.05)
    balloon_squeeze_ratio: Level = Level(0.25, 0.50)
    ntp_offset_seconds: Level = Level(0.1, 1.0)
    ntp_stratum_max: int = 10
    snmp_latency_seconds: Level = Level(0.5, 2.0)
    filesystem_used_ratio: Level = Level(0.85, 0.95)
    filesystem_time_to_full_seconds_below: Level = Level(6 * 3600.0, 3600.0)
    pool_used_ratio: Level = Level(0.85, 0.95)
    smart_wear_ratio: Level = Level(0.80, 0.95)


@dataclass(frozen=True)
class LibvirtConfig:
    """How to reach the hypervisor."""

    uri: str = "qemu:///system"
    interval: float = field(default=2.0, metadata=_chk(interval_seconds))
    timeout: float = field(default=5.0, metadata=_chk(positive))


SNMP_PROFILES = ("system", "if-mib", "ups-mib", "entity-sensor")  # edgetop.collectors.snmp_profiles.PROFILES


def snmp_profiles(value: Any) -> None:
    """Reject SNMP profile names that are not shipped."""
    unknown = [p for p in value if p not in SNMP_PROFILES]
    if unknown:
        raise ValueError(f"unknown profile(s) {', '.join(unknown)} (shipped: {', '.join(SNMP_PROFILES)})")


@dataclass(frozen=True)
class SnmpOid:
    """One extra OID to poll on a target."""

    name: str
    oid: str
    unit: str | None = None
    scale: float = 1.0
    warn: float | None = None
    crit: float | None = None


@dataclass(frozen=True)
class SnmpTarget:
    """One SNMP agent (switch, UPS, PDU)."""

    name: str
    host: str
    port: int = field(default=161, metadata=_chk(port))
    version: Literal["3", "2c"] = "3"
    user: str | None = None
    community: Secret | None = None
    auth_protocol: Literal["MD5", "SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512"] | None = None
    auth_key: Secret | None = None
    priv_protocol: Literal["DES", "AES-128", "AES-192", "AES-256"] | None = None
    priv_key: Secret | None = None
    context: str = ""
    timeout: float = field(default=1.0, metadata=_chk(positive))
    retries: int = 1
    interval: float = field(default=10.0, metadata=_chk(interval_seconds))
    profiles: tuple[str, ...] = field(default=("system",), metadata=_chk(snmp_profiles))
    oids: tuple[SnmpOid, ...] = ()

    def __post_init__(self) -> None:
        """Reject combinations the agent could never answer (the loader adds file and line)."""
        if self.version == "3" and not self.user:
            raise ValueError(f"snmp target {self.name}: version 3 needs a user")
        if self.auth_protocol and self.auth_key is None:
            raise ValueError(f"snmp target {self.name}: auth_protocol needs auth_key, auth_key_file or auth_key_env")
        if self.priv_protocol and not self.auth_protocol:
            raise ValueError(f"snmp target {self.name}: privacy (priv_protocol) needs authentication (auth_protocol)")
        if self.priv_protocol and self.priv_key is None:
            raise ValueError(f"snmp target {self.name}: priv_protocol needs priv_key, priv_key_file or priv_key_env")
        if self.version == "2c" and self.community is None:
            raise ValueError(f"snmp target {self.name}: version 2c needs a community")
        for key, secret in (("auth_key", self.auth_key), ("priv_key", self.priv_key)):
            # An empty passphrase has no key (RFC 3414 A.2 repeats it to 1 MiB); a file or
            # variable that turned out empty must not surface later as "wrong digest".
            if secret is not None and not secret.reveal():
                raise ValueError(f"snmp target {self.name}: {key} is empty")


@dataclass(frozen=True)
class SnmpConfig:
    """SNMP polling of nearby devices."""

    targets: tuple[SnmpTarget, ...] = ()


def ntp_servers(value: Any) -> None:
    """Reject SNTP server entries that are not ``host``, ``host:port`` or ``[v6]:port``, and repeats."""
    seen: set[str] = set()
    for entry in value:
        text = str(entry).strip()
        if not text or any(c.isspace() for c in text):
            raise ValueError(f"{entry!r} is not a host or host:port")
        host, _ = split_host_port(text)
        if not host:
            raise ValueError(f"{entry!r}: no host")
        if text in seen:
            raise ValueError(f"{entry!r} is listed twice")
        seen.add(text)


def ptp_domain(value: Any) -> None:
    """Reject PTP domain numbers outside 0..255 (IEEE 1588 domainNumber is one octet)."""
    if not 0 <= value <= 255:
        raise ValueError("must be a PTP domain number 0-255")


@dataclass(frozen=True)
class ChronyConfig:
    """Where chronyd's command interface is: its Unix socket, or host/port (UDP, read-only)."""

    socket: str | None = None
    host: str | None = None
    port: int = field(default=323, metadata=_chk(port))

    def __post_init__(self) -> None:
        if self.socket and self.host:
            raise ValueError("give ntp.chrony.socket or ntp.chrony.host, not both")


@dataclass(frozen=True)
class PtpConfig:
    """linuxptp management client settings."""

    domain: int = field(default=0, metadata=_chk(ptp_domain))
    uds: str | None = None


@dataclass(frozen=True)
class NtpConfig:
    """Time sources."""

    interval: float = field(default=5.0, metadata=_chk(interval_seconds))
    chrony: ChronyConfig = ChronyConfig()
    servers: tuple[str, ...] = field(default=(), metadata=_chk(ntp_servers))
    ptp: PtpConfig = PtpConfig()
    timeout: float = field(default=2.0, metadata=_chk(positive))


@dataclass(frozen=True)
class SensorOverride:
    """Thresholds for the sensors whose ``chip/label`` matches ``match`` (a glob)."""

    match: str
    high: float | None = None
    critical: float | None = None


@dataclass(frozen=True)
class SensorsConfig:
    """Temperature sensors."""

    overrides: tuple[SensorOverride, ...] = ()
    read_timeout: float = field(default=0.5, metadata=_chk(positive))


@dataclass(frozen=True)
class NetworkConfig:
    """NIC expectations."""

    expected_speed_mbps: dict[str, int] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionsConfig:
    """Mutating actions."""

    restart_allowlist: tuple[str, ...] | None = None
    audit_log: str | None = None
    timeout: float = field(default=30.0, metadata=_chk(positive))


@dataclass(frozen=True)
class KioskConfig:
    """Rack-screen kiosk mode."""

    cycle_seconds: float = field(default=10.0, metadata=_chk(positive))
    exit_chord: str | None = field(default=None, metadata=_chk(kiosk_chord))


@dataclass(frozen=True)
class ExporterConfig:
    """``edgetop serve``: which families, and node_exporter's web config file (TLS, basic auth)."""

    node_metrics: bool = True
    web_config_file: str | None = None


LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")


def label_name(value: Any) -> None:
    """Reject what is not a Prometheus label name (it is pasted into PromQL)."""
    if not LABEL_NAME.match(str(value)) or str(value).startswith("__"):
        raise ValueError("must be a Prometheus label name (letters, digits and _, not starting with __)")


def job_name(value: Any) -> None:
    """Reject a job name with a line break (it is quoted into PromQL; everything else is escaped)."""
    if "\n" in str(value) or "\r" in str(value):
        raise ValueError("must be one line")


def http_url(value: Any) -> None:
    """Reject URLs that are not http(s), or that carry credentials (they belong in files)."""
    text = str(value)
    if not text.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    if "@" in text.split("/")[2]:
        raise ValueError("put credentials in password_file or bearer_token_file, not in the URL")


@dataclass(frozen=True)
class FleetConfig:
    """``edgetop fleet``: the central Prometheus, how to authenticate to it, and which label names a site."""

    url: str | None = field(default=None, metadata=_chk(http_url))
    user: str | None = None
    password_file: str | None = None
    bearer_token_file: str | None = None
    ca_file: str | None = None
    site_label: str = field(default="site", metadata=_chk(label_name))
    job: str = field(default="edgetop", metadata=_chk(job_name))
    interval: float = field(default=5.0, metadata=_chk(interval_seconds))
    timeout: float = field(default=5.0, metadata=_chk(positive))
    concurrency: int = field(default=4, metadata=_chk(positive))

    def __post_init__(self) -> None:
        """One way to authenticate at most; a password only with a user."""
        if self.bearer_token_file and (self.user or self.password_file):
            raise ValueError("give either user and password_file (basic auth) or bearer_token_file, not both")
        if self.password_file and not self.user:
            raise ValueError("password_file needs user")


def clear_margin(value: Any) -> None:
    """Reject clear margins outside 0..0.5 (a share of each level)."""
    if not 0 <= value <= 0.5:
        raise ValueError("must be between 0 and 0.5 (a share of each level: 0.1 clears 10% below it)")


def hold_seconds(value: Any) -> None:
    """Reject hold times that are negative, not finite, or above an hour."""
    if not math.isfinite(value) or not 0 <= value <= MAX_INTERVAL_SECONDS:
        raise ValueError(f"must be between 0 and {MAX_INTERVAL_SECONDS:.0f} seconds")


@dataclass(frozen=True)
class AlertsConfig:
    """How a raised alert holds and clears (hysteresis, so that nothing flaps)."""

    clear_margin: float = field(default=0.1, metadata=_chk(clear_margin))
    hold_seconds: float = field(default=20.0, metadata=_chk(hold_seconds))


DEFAULT_SERVICES = ("libvirtd", "virtlogd", "chronyd", "snmpd", "sshd", "node_exporter")


@dataclass(frozen=True)
class SelfConfig:
    """edgetop's own footprint: ``cpus`` pins every edgetop thread to these housekeeping CPUs."""

    cpus: str | None = field(default=None, metadata=_chk(cpu_list_text))


@dataclass(frozen=True)
class Config:
    """The whole effective configuration."""

    interval: float = field(default=1.0, metadata=_chk(interval_seconds))
    read_only: bool = False
    kiosk: bool = False
    theme: str = "dark"
    procfs: str = "/proc"
    sysfs: str = "/sys"
    log_file: str | None = None
    show_kernel_threads: bool = False
    keymap: dict[str, str] = field(default_factory=dict, metadata={"key": keymap_id})
    thresholds: Thresholds = Thresholds()
    libvirt: LibvirtConfig = LibvirtConfig()
    snmp: SnmpConfig = SnmpConfig()
    ntp: NtpConfig = NtpConfig()
    sensors: SensorsConfig = SensorsConfig()
    network: NetworkConfig = NetworkConfig()
    services: tuple[str, ...] = DEFAULT_SERVICES
    actions: ActionsConfig = ActionsConfig()
    kiosk_options: KioskConfig = KioskConfig()
    # ``self:`` in the file (dataclasses name their own argument __dataclass_self__ then).
    self: SelfConfig = SelfConfig()
    exporter: ExporterConfig = ExporterConfig()
    alerts: AlertsConfig = AlertsConfig()
    fleet: FleetConfig = FleetConfig()
    # Filled by the loader, not by the file.
    source_file: str | None = field(default=None, metadata={"internal": True})
    warnings: tuple[str, ...] = field(default=(), metadata={"internal": True})
