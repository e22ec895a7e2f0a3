"""SMART and NVMe health through ``smartctl --json`` (smartmontools 7+).

Once a minute at most per device (the spec's interval), each with a time limit, through
the context's command runner (argv only). ``--nocheck=standby`` keeps a sleeping disk
asleep: smartctl then answers "in STANDBY mode" and the disk keeps its last values.
Which devices: the whole disks in ``/sys/block`` that can speak SMART (``sd*``, ``hd*``,
``nvme*n*`` asked through their controller ``/dev/nvmeN``); virtio, device-mapper, md,
loop and zram devices have no SMART of their own.

smartctl's exit status is a bit mask (smartctl(8), "EXIT STATUS"): bit 0 the command line
did not parse, bit 1 the device could not be opened (permission, no such device, standby),
bit 2 a SMART command failed, bit 3 the disk says it is failing, bit 4 a pre-fail
attribute is at or below its threshold, bit 5 one was in the past, bit 6 the error log
has errors, bit 7 the self-test log has errors. The JSON's ``smartctl.messages`` says why
in words; the field names are smartctl's (NVMe: ``nvme_smart_health_information_log``,
the NVMe base specification's SMART / Health Information log page).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from edgetop.config_schema import Config
from edgetop.errors import ParseError, SourceUnavailable
from edgetop.model.alerts import Alert, Severity, level_above
from edgetop.model.spec import CollectorSpec, Context, Metric, as_named
from edgetop.sources.process import CommandError, ToolMissing

SMART_INTERVAL_SECONDS = 60.0
DEVICE_TIMEOUT_SECONDS = 10.0
MAX_DEVICES = 64
INSTALL_HINT = "smartctl not installed (Debian, Ubuntu: apt install smartmontools)"
_SMART_CAPABLE = re.compile(r"^(sd[a-z]+|hd[a-z]+|nvme\d+n\d+)$")
# ATA attributes whose normalised value counts down from 100 as the flash wears
# (vendor ids, smartmontools' drivedb.h): Samsung 177 Wear_Leveling_Count, Intel 233
# Media_Wearout_Indicator, 231 SSD_Life_Left (several), Micron 202 Percent_Lifetime_Remain.
_WEAR_ATTRIBUTES = (177, 233, 231, 202)
_REALLOCATED, _PENDING, _OFFLINE_UNCORRECTABLE = 5, 197, 198
# NVMe critical warning bits (NVMe base spec, SMART / Health Information, byte 0).
CRITICAL_WARNING_BITS = (
    (0x01, "spare below threshold"), (0x02, "temperature out of range"), (0x04, "reliability degraded"),
    (0x08, "media read-only"), (0x10, "volatile memory backup failed"), (0x20, "persistent memory read-only"),
)


@dataclass(frozen=True, slots=True)
class SmartHealth:
    """One device's health as smartctl reports it; what it did not report is None.

    Attributes:
        device: the device asked (``/dev/sda``).
        protocol: ATA, NVMe, SCSI.
        model: the model name (outside text).
        status: ok, failing (the disk says so), unavailable (smartctl could not read it), standby.
        reason: why it is unavailable, or smartctl's error messages.
        passed: the overall health self-assessment.
        temperature_celsius: current temperature.
        power_on_hours: hours powered on.
        wear_ratio: life used, 0..1 (NVMe percentage used, may exceed 1; ATA from a wear attribute).
        media_errors: NVMe unrecovered data integrity errors.
        error_log_entries: NVMe error-log entries over the device's life.
        critical_warning: NVMe critical-warning bits (0: none).
        available_spare_ratio: NVMe spare capacity left, 0..1.
        reallocated_sectors, pending_sectors, offline_uncorrectable: ATA attributes 5, 197, 198 (raw).
        failing_attributes: ATA attributes at or below their threshold now.
        exit_status: smartctl's exit status bit mask.

    """

    device: str
    protocol: str | None = None
    model: str | None = None
    status: str = "ok"
    reason: str | None = None
    passed: bool | None = None
    temperature_celsius: float | None = None
    power_on_hours: int | None = None
    wear_ratio: float | None = None
    media_errors: int | None = None
    error_log_entries: int | None = None
    critical_warning: int | None = None
    available_spare_ratio: float | None = None
    reallocated_sectors: int | None = None
    pending_sectors: int | None = None
    offline_uncorrectable: int | None = None
    failing_attributes: tuple[str, ...] = ()
    exit_status: int | None = None

    def warnings(self) -> list[str]:
        """The critical-warning bits in words."""
        cw = self.critical_warning or 0
        return [text for bit, text in CRITICAL_WARNING_BITS if cw & bit]


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _obj(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (hostile or odd JSON never raises)."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _messages(data: dict[str, Any]) -> str | None:
    msgs = _list(_obj(data.get("smartctl")).get("messages"))
    texts = [str(m.get("string", "")) for m in msgs if isinstance(m, dict) and m.get("string")]
    return "; ".join(texts)[:300] or None


def _ata(data: dict[str, Any]) -> dict[str, Any]:
    table = [a for a in _list(_obj(data.get("ata_smart_attributes")).get("table")) if isinstance(a, dict)]
    by_id = {a.get("id"): a for a in table if isinstance(a.get("id"), int)}

    def raw(attr_id: int) -> int | None:
        return _int(_obj(_obj(by_id.get(attr_id)).get("raw")).get("value"))

    wear = None
    for attr_id in _WEAR_ATTRIBUTES:
        value = _int(_obj(by_id.get(attr_id)).get("value"))
        if value is not None and value <= 100:
            wear = (100 - value) / 100.0
            break
    failing = tuple(str(a.get("name", a.get("id")))[:40] for a in table if a.get("when_failed") == "now")
    return {"reallocated_sectors": raw(_REALLOCATED), "pending_sectors": raw(_PENDING),
            "offline_uncorrectable": raw(_OFFLINE_UNCORRECTABLE), "wear_ratio": wear, "failing_attributes": failing}


def _nvme(log: dict[str, Any]) -> dict[str, Any]:
    used = _int(log.get("percentage_used"))
    spare = _int(log.get("available_spare"))
    return {
        "wear_ratio": None if used is None else used / 100.0,
        "media_errors": _int(log.get("media_errors")), "error_log_entries": _int(log.get("num_err_log_entries")),
        "critical_warning": _int(log.get("critical_warning")),
        "available_spare_ratio": None if spare is None else min(spare, 100) / 100.0,
    }


def parse_smartctl(text: str, device: str) -> SmartHealth:
    """Parse one ``smartctl --json`` answer about ``device``.

    Raises:
        ParseError: not JSON, or not a smartctl JSON object.

    """
    try:
        data = json.loads(text)
    except ValueError as err:
        raise ParseError(f"smartctl did not print JSON for {device}: {err}") from None
    if not isinstance(data, dict) or not isinstance(data.get("smartctl"), dict):
        raise ParseError(f"smartctl printed JSON without its 'smartctl' object for {device}")
    exit_status = _int(data["smartctl"].get("exit_status"))
    reason = _messages(data)
    dev = _obj(data.get("device"))
    protocol = dev.get("protocol") if isinstance(dev.get("protocol"), str) else None
    model = data.get("model_name") or data.get("scsi_model_name")
    base = SmartHealth(device=device, protocol=protocol, model=str(model)[:80] if model else None,
                       exit_status=exit_status, reason=reason)
    if exit_status is not None and exit_status & 0b11:  # could not parse the command or open the device
        standby = "STANDBY" in (reason or "").upper()
        return replace(base, status="standby" if standby else "unavailable",
                       reason=reason or f"smartctl exit status {exit_status}")
    passed = _obj(data.get("smart_status")).get("passed")
    fields: dict[str, Any] = {
        "passed": passed if isinstance(passed, bool) else None,
        "temperature_celsius": _int(_obj(data.get("temperature")).get("current")),
        "power_on_hours": _int(_obj(data.get("power_on_time")).get("hours")),
    }
    log = data.get("nvme_smart_health_information_log")
    fields |= _nvme(log) if isinstance(log, dict) else _ata(data)
    failing = fields["passed"] is False or bool(exit_status and exit_status & 0b1000) or bool(
        fields.get("failing_attributes"))
    return replace(base, status="failing" if failing else "ok", **fields)


def smart_devices(block_names: list[str]) -> list[str]:
    """The ``/dev`` paths to ask: SATA/SAS/IDE disks, and each NVMe controller once."""
    out: list[str] = []
    for name in block_names:
        if not _SMART_CAPABLE.match(name):
            continue
        path = "/dev/" + (re.sub(r"n\d+$", "", name) if name.startswith("nvme") else name)
        if path not in out:
            out.append(path)
    return out[:MAX_DEVICES]


@dataclass(frozen=True, slots=True)
class SmartReading:
    """Every SMART-capable device's health, in ``/sys/block`` order."""

    devices: tuple[SmartHealth, ...]


def query(ctx: Context, device: str) -> SmartHealth:
    """Ask smartctl about one device; a failure of this device is its row, not the collector's."""
    argv = ["smartctl", "--json", "--info", "--health", "--attributes", "--log=error", "--nocheck=standby", device]
    try:
        done = ctx.run(argv, DEVICE_TIMEOUT_SECONDS)
    except ToolMissing:
        raise SourceUnavailable(INSTALL_HINT) from None
    except CommandError as err:
        return SmartHealth(device=device, status="unavailable", reason=str(err))
    try:
        return parse_smartctl(done.stdout, device)
    except ParseError as err:
        return SmartHealth(device=device, status="unavailable", reason=str(err))


def collect_smart(ctx: Context) -> SmartReading:
    """Ask about each SMART-capable disk of ``/sys/block`` (devices sysfs).

    Raises:
        SourceUnavailable: smartctl is not installed.

    """
    if not ctx.run.installed("smartctl"):
        raise SourceUnavailable(INSTALL_HINT)
    _, sysfs = ctx.device_roots()
    return SmartReading(tuple(query(ctx, dev) for dev in smart_devices(sysfs.listdir("block"))))


def to_json(view: SmartReading) -> list[dict[str, Any]]:
    """The ``smart`` JSON section."""
    return [asdict(d) | {"failing_attributes": list(d.failing_attributes), "critical_warnings": d.warnings()}
            for d in view.devices]


def alerts(view: SmartReading, config: Config) -> list[Alert]:
    """Failing, critical warnings, wear past the thresholds, media errors, reallocated or pending sectors."""
    out = []
    for d in view.devices:
        name = d.device
        if d.status == "failing":
            what = ", ".join(d.failing_attributes) or "overall health self-assessment failed"
            out.append(Alert(Severity.CRITICAL, "smart", name, f"{name} SMART says it is failing: {what}"))
        if d.warnings():
            out.append(Alert(Severity.CRITICAL, "smart", name, f"{name} critical warning: {', '.join(d.warnings())}"))
        sev = level_above(d.wear_ratio, config.thresholds.smart_wear_ratio)
        if sev is not None and d.wear_ratio is not None:
            out.append(Alert(sev, "smart", name, f"{name} has used {d.wear_ratio:.0%} of its rated life"))
        if d.media_errors:
            out.append(Alert(Severity.WARNING, "smart", name, f"{name} has {d.media_errors} media errors"))
        bad = (d.reallocated_sectors or 0) + (d.pending_sectors or 0)
        if bad:
            out.append(Alert(Severity.WARNING, "smart", name, f"{name}: {d.reallocated_sectors or 0} reallocated, "
                                                              f"{d.pending_sectors or 0} pending sectors"))
    return out


def metrics(view: SmartReading) -> list[Metric]:
    """Prometheus samples; node_exporter's, libvirt's and smartctl_exporter's families under their names."""
    return as_named(_metrics(view))


def _metrics(view: SmartReading) -> list[Metric]:
    """Per device: smartctl_exporter's names where they exist."""
    out = []
    for d in view.devices:
        labels = (("device", d.device),)
        if d.passed is not None:
            out.append(Metric("smartctl_device_smart_status", 1.0 if d.passed else 0.0, labels,
                              help="General smart status"))
        for name, value, text in (
            ("smartctl_device_temperature", d.temperature_celsius, "Device temperature celsius"),
            ("smartctl_device_power_on_seconds", None if d.power_on_hours is None else d.power_on_hours * 3600,
             "Device power on seconds"),
            ("smartctl_device_percentage_used", None if d.wear_ratio is None else d.wear_ratio * 100,
             "Device write percentage used"),
            ("smartctl_device_media_errors", d.media_errors, "Device media errors total"),
            ("smartctl_device_critical_warning", d.critical_warning, "Device critical warning bitmask"),
        ):
            if value is not None:
                out.append(Metric(name, float(value), labels, help=text))
    return out


def _build(ctx: Context) -> Callable[[], SmartReading]:
    def collect() -> SmartReading:
        return collect_smart(ctx)
    return collect


def spec(ctx: Context) -> CollectorSpec:
    """The ``smart`` collector: once a minute (each device asked once per run)."""
    return CollectorSpec(
        name="smart", lane="storage", json_key="smart", pane="storage", build=_build,
        interval=max(SMART_INTERVAL_SECONDS, ctx.config.interval), timeout=DEVICE_TIMEOUT_SECONDS * 6,
        to_json=to_json, empty_json=list, alerts=alerts, metrics=metrics,
    )
