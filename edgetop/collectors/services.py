"""Service units named in the config: state, since when, main PID, restarts, memory.

systemd: one ``systemctl show --property=… -- UNIT…`` with explicit properties
(systemd.exec(5)/org.freedesktop.systemd1(5) names). OpenRC: ``rc-service UNIT status``;
sysvinit: ``service UNIT status`` and its LSB exit code. No service manager →
``SourceUnavailable("no service manager: …")``. Pure parsers below, tested on recorded
outputs; every command runs through the context's runner, so a recording can stand in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from edgetop.config_schema import Config
from edgetop.errors import ActionDenied, ParseError, SourceUnavailable
from edgetop.model.alerts import Alert, Severity
from edgetop.model.cpulist import ascii_digits
from edgetop.model.spec import CollectorSpec, Context, Metric
from edgetop.model.units import normalize_unit, validate_unit_name
from edgetop.sources.fs import ProcFS
from edgetop.sources.process import HOST_COMMANDS, CommandError, CommandRunner
from edgetop.sources.services import OPENRC, SYSTEMD, detect_manager

PROPERTIES = (
    "Id", "LoadState", "ActiveState", "SubState", "ActiveEnterTimestamp", "ActiveEnterTimestampMonotonic",
    "MainPID", "NRestarts", "MemoryCurrent", "Description",
)
COMMAND_TIMEOUT_SECONDS = 4.0
# systemd prints UINT64_MAX ("infinity") for a memory counter it does not track.
_UINT64_MAX = 2**64 - 1


@dataclass(frozen=True, slots=True)
class ServiceState:
    """One service as its manager reports it; unknown values are None.

    Attributes:
        name: the name in the config.
        unit: systemd's unit id (``ssh.service`` for the alias ``sshd``), else the name.
        manager: systemd, openrc or sysvinit.
        load_state: loaded, not-found, masked, invalid-name…
        active_state: active, inactive, failed, activating, deactivating, reloading.
        sub_state: running, exited, dead, auto-restart…
        active_enter_timestamp_seconds: epoch seconds when it last became active.
        main_pid: the main process, None when there is none.
        restarts_total: automatic restarts (``NRestarts``) since load.
        memory_bytes: the unit's cgroup memory (``MemoryCurrent``).
        description: the unit's description (outside text: render literally).

    """

    name: str
    unit: str
    manager: str
    load_state: str | None = None
    active_state: str | None = None
    sub_state: str | None = None
    active_enter_timestamp_seconds: float | None = None
    main_pid: int | None = None
    restarts_total: int | None = None
    memory_bytes: int | None = None
    description: str | None = None


def parse_show_blocks(text: str) -> list[dict[str, str]]:
    """Split ``systemctl show`` output into one ``{property: value}`` per unit (blank-line separated).

    Raises:
        ParseError: a non-empty line without ``=``.

    """
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
                current = {}
            continue
        key, sep, value = line.partition("=")
        if not sep or not key:
            raise ParseError(f"not a property line: {line[:80]!r}")
        current[key] = value
    if current:
        blocks.append(current)
    return blocks


def _int(value: str | None, *, zero_is_none: bool = False) -> int | None:
    if value is None or not ascii_digits(value.strip()):
        return None
    n = int(value)
    if n == _UINT64_MAX or (zero_is_none and n == 0):
        return None
    return n


def service_from_show(name: str, props: dict[str, str], boot_time_seconds: float | None) -> ServiceState:
    """Build a :class:`ServiceState` from one ``systemctl show`` block.

    The entry time comes from ``ActiveEnterTimestamp`` when systemctl printed it as
    ``@EPOCH`` (``--timestamp=unix``), else from the monotonic µs plus the boot time
    (``btime`` of /proc/stat), which avoids parsing locale- and zone-dependent dates.
    """
    since: float | None = None
    stamp = props.get("ActiveEnterTimestamp", "")
    if stamp.startswith("@") and ascii_digits(stamp[1:].replace(".", "", 1)):
        since = float(stamp[1:]) or None
    else:
        mono = _int(props.get("ActiveEnterTimestampMonotonic"), zero_is_none=True)
        if mono is not None and boot_time_seconds is not None:
            since = boot_time_seconds + mono / 1e6
    return ServiceState(
        name=name,
        unit=props.get("Id") or normalize_unit(name),
        manager=SYSTEMD,
        load_state=props.get("LoadState") or None,
        active_state=props.get("ActiveState") or None,
        sub_state=props.get("SubState") or None,
        active_enter_timestamp_seconds=since,
        main_pid=_int(props.get("MainPID"), zero_is_none=True),
        restarts_total=_int(props.get("NRestarts")),
        memory_bytes=_int(props.get("MemoryCurrent")),
        description=props.get("Description") or None,
    )


_OPENRC_STATES = {
    "started": ("active", "running"),
    "stopped": ("inactive", "dead"),
    "crashed": ("failed", "crashed"),
    "starting": ("activating", "start"),
    "stopping": ("deactivating", "stop"),
    "inactive": ("inactive", "dead"),
}


def parse_openrc_status(text: str) -> tuple[str | None, str | None]:
    """(active state, sub state) from ``rc-service NAME status`` (`` * status: started``)."""
    for line in text.splitlines():
        _, sep, word = line.partition("status:")
        if sep:
            return _OPENRC_STATES.get(word.strip().lower(), (None, word.strip().lower() or None))
    return None, None


def parse_lsb_status(returncode: int) -> tuple[str | None, str | None]:
    """(active, sub) from an LSB init script's ``status`` exit code (LSB core, §20.2)."""
    return {
        0: ("active", "running"),
        1: ("failed", "dead"),  # dead, pid file exists
        2: ("failed", "dead"),  # dead, lock file exists
        3: ("inactive", "dead"),
    }.get(returncode, (None, None))


def read_boot_time(procfs: ProcFS) -> float | None:
    """``btime`` (epoch seconds at boot) from /proc/stat, or None."""
    text = procfs.read_optional("stat") or ""
    for line in text.splitlines():
        if line.startswith("btime "):
            value = line.split()[1]
            return float(value) if ascii_digits(value) else None
    return None


def _valid(names: tuple[str, ...]) -> tuple[list[str], list[ServiceState]]:
    ok, bad = [], []
    for name in names:
        try:
            ok.append(validate_unit_name(name))
        except ActionDenied:
            bad.append(ServiceState(name, name, SYSTEMD, load_state="invalid-name"))
    return ok, bad


def collect_systemd(
    names: list[str], boot_time: float | None, runner: CommandRunner = HOST_COMMANDS
) -> list[ServiceState]:
    """Query systemd about ``names`` in one call."""
    if not names:
        return []
    argv = ["systemctl", "show", f"--property={','.join(PROPERTIES)}", "--", *names]
    done = runner(argv, COMMAND_TIMEOUT_SECONDS)  # a CommandError is an unavailable source already
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise SourceUnavailable(f"systemctl show failed: {detail}")
    blocks = parse_show_blocks(done.stdout)
    if len(blocks) != len(names):
        raise ParseError(f"systemctl show returned {len(blocks)} units for {len(names)} asked")
    return [service_from_show(n, b, boot_time) for n, b in zip(names, blocks, strict=True)]


def collect_rc(manager: str, names: list[str], runner: CommandRunner = HOST_COMMANDS) -> list[ServiceState]:
    """Query OpenRC or sysvinit about each name (one ``status`` call each)."""
    out = []
    for name in names:
        script = name.removesuffix(".service")
        argv = ["rc-service", script, "status"] if manager == OPENRC else ["service", script, "status"]
        try:
            done = runner(argv, COMMAND_TIMEOUT_SECONDS)
        except CommandError:
            out.append(ServiceState(name, script, manager))
            continue
        if manager == OPENRC:
            active, sub = parse_openrc_status(done.stdout)
        else:
            active, sub = parse_lsb_status(done.returncode)
        load = "not-found" if "does not exist" in done.stderr or "unrecognized service" in done.stderr else "loaded"
        out.append(ServiceState(name, script, manager, load_state=load, active_state=active, sub_state=sub))
    return out


@dataclass(frozen=True, slots=True)
class ServicesReading:
    """The configured services, in config order."""

    manager: str
    services: tuple[ServiceState, ...]


def collect_services(ctx: Context) -> ServicesReading:
    """Collect once, through the context's host root and command runner."""
    valid, invalid = _valid(ctx.config.services)
    manager = detect_manager(ctx.host_root, ctx.run.installed)
    # systemd answers for every unit in one call; init scripts need one call each.
    if manager == SYSTEMD:
        states = collect_systemd(valid, read_boot_time(ctx.procfs), ctx.run)
    else:
        states = collect_rc(manager, valid, ctx.run)
    return ServicesReading(manager, tuple(states + invalid))


def to_json(view: ServicesReading) -> list[dict[str, Any]]:
    """Return the ``services`` JSON section: one object per configured service."""
    return [asdict(s) for s in view.services]


def alerts(view: ServicesReading, config: Config) -> list[Alert]:
    """Raise: a failed unit is critical; a configured unit that is missing is a warning."""
    out = []
    for s in view.services:
        if s.active_state == "failed":
            out.append(Alert(Severity.CRITICAL, "services", s.name, f"{s.unit} has failed ({s.sub_state or '?'})"))
        elif s.load_state in ("not-found", "invalid-name"):
            out.append(Alert(Severity.WARNING, "services", s.name, f"{s.name} is {s.load_state}"))
    return out


def metrics(view: ServicesReading) -> list[Metric]:
    """Per unit: active (1/0), restarts and memory when known."""
    out = []
    for s in view.services:
        labels = (("unit", s.unit),)
        if s.active_state is not None:
            out.append(Metric("service_active", 1.0 if s.active_state == "active" else 0.0, labels,
                              help="1 when the service unit is active"))
        if s.restarts_total is not None:
            out.append(Metric("service_restarts_total", float(s.restarts_total), labels, "counter",
                              "automatic restarts of the unit (NRestarts)"))
        if s.memory_bytes is not None:
            out.append(Metric("service_memory_bytes", float(s.memory_bytes), labels,
                              help="memory of the unit's cgroup (MemoryCurrent)"))
    return out


def _build(ctx: Context) -> Callable[[], ServicesReading]:
    def collect() -> ServicesReading:
        return collect_services(ctx)
    return collect


def specs(ctx: Context) -> list[CollectorSpec]:
    """Return the services collector's spec."""
    return [CollectorSpec(
        name="services", lane="services", json_key="services", pane="services", build=_build,
        interval=max(5.0, ctx.config.interval), to_json=to_json, empty_json=list, alerts=alerts, metrics=metrics,
    )]
