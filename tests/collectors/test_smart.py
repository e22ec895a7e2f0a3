"""SMART: real recorded ``smartctl --json`` answers, through a recording stub smartctl first on PATH."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgetop.collectors import smart
from edgetop.collectors.smart import SmartReading, collect_smart, parse_smartctl, smart_devices
from edgetop.config_schema import Config
from edgetop.errors import ParseError, SourceUnavailable
from edgetop.model.alerts import Severity
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS

RECORDED = Path(__file__).resolve().parent.parent / "fixtures" / "smartctl"
NVME = "SAMSUNG_MZVL21T0HCLR-00B00_23.json"
SATA = "SAMSUNG_MZ7WD240HAFV-00003_21.json"
FAILING_NVME = "nvme-null-SAMSUNG_MZWLL3T2HAJQ-00005-nvme0.json"
WORN_NVME = "nvme-null-INTEL_SSDPE2KX020T7-nvme6.json"

# Replays the recording named for the device asked (the last argument), with its exit status;
# logs every argv. A device without a recording answers as smartctl does for a missing one.
STUB = r'''#!{python}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["STUB_LOG"], "a") as fh:
    fh.write(json.dumps(args) + "\n")
answers = json.loads(os.environ["SMARTCTL_ANSWERS"])
name = answers.get(args[-1])
if name is None:
    print(json.dumps({{"smartctl": {{"exit_status": 2, "messages": [
        {{"string": "Smartctl open device: " + args[-1] + " failed: No such device", "severity": "error"}}]}}}}))
    sys.exit(2)
text = open(os.path.join(os.environ["SMARTCTL_RECORDED"], name)).read()
sys.stdout.write(text)
sys.exit(json.loads(text)["smartctl"]["exit_status"])
'''


def test_nvme_recording() -> None:
    d = parse_smartctl((RECORDED / NVME).read_text(), "/dev/nvme0")
    assert (d.protocol, d.model, d.status, d.passed) == ("NVMe", "SAMSUNG MZVL21T0HCLR-00B00", "ok", True)
    assert (d.wear_ratio, d.temperature_celsius, d.power_on_hours) == (0.16, 29, 10423)
    assert (d.media_errors, d.critical_warning, d.available_spare_ratio) == (0, 0, 1.0)
    assert smart.alerts(SmartReading((d,)), Config()) == []


def test_sata_ssd_recording() -> None:
    d = parse_smartctl((RECORDED / SATA).read_text(), "/dev/sda")
    assert (d.protocol, d.status, d.passed, d.temperature_celsius, d.power_on_hours) == ("ATA", "ok", True, 27, 84619)
    assert d.wear_ratio == pytest.approx(0.09)  # attribute 177 Wear_Leveling_Count, normalised 91
    assert d.reallocated_sectors == 0 and d.pending_sectors is None  # this model has no attribute 197
    assert d.media_errors is None


def test_failing_and_worn_nvme_raise_alerts() -> None:
    failing = parse_smartctl((RECORDED / FAILING_NVME).read_text(), "/dev/nvme0")
    assert failing.status == "failing" and failing.passed is False and failing.exit_status == 8
    assert failing.warnings() == ["volatile memory backup failed"]
    worn = parse_smartctl((RECORDED / WORN_NVME).read_text(), "/dev/nvme1")
    assert worn.wear_ratio == 0.75
    alerts = smart.alerts(SmartReading((failing, worn)), Config())
    assert [(a.subject, a.severity) for a in alerts] == [("/dev/nvme0", Severity.CRITICAL)] * 2
    cfg = Config()
    lower = type(cfg.thresholds)(smart_wear_ratio=type(cfg.thresholds.smart_wear_ratio)(0.7, 0.9))
    (wear,) = smart.alerts(SmartReading((worn,)), type(cfg)(thresholds=lower))
    assert wear.severity is Severity.WARNING and "75%" in wear.message


def test_unprivileged_and_unknown_device_recorded_on_this_machine() -> None:
    denied = parse_smartctl((RECORDED / "vda-unprivileged.json").read_text(), "/dev/vda")
    assert denied.status == "unavailable" and "Permission denied" in (denied.reason or "")
    virtio = parse_smartctl((RECORDED / "vda-virtio-unknown-type.json").read_text(), "/dev/vda")
    assert virtio.status == "unavailable" and "Unable to detect device type" in (virtio.reason or "")


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"device": {}}'])
def test_not_smartctl_json(text: str) -> None:
    with pytest.raises(ParseError):
        parse_smartctl(text, "/dev/sda")


def test_which_devices_are_asked() -> None:
    names = ["dm-0", "loop0", "md0", "nvme0n1", "nvme0n2", "nvme1n1", "sda", "sdb", "sr0", "vda", "zram0"]
    assert smart_devices(names) == ["/dev/nvme0", "/dev/nvme1", "/dev/sda", "/dev/sdb"]


def _ctx(tmp_path: Path, disks: list[str]) -> Context:
    for name in disks:
        (tmp_path / "sys/block" / name).mkdir(parents=True)
    return Context(config=Config(), procfs=ProcFS(tmp_path / "proc"), sysfs=SysFS(tmp_path / "sys"))


def test_collect_through_the_stub_smartctl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "smartctl").write_text(STUB.format(python=sys.executable))
    (bin_dir / "smartctl").chmod(0o755)
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("STUB_LOG", str(log))
    monkeypatch.setenv("SMARTCTL_RECORDED", str(RECORDED))
    monkeypatch.setenv("SMARTCTL_ANSWERS", json.dumps({"/dev/nvme0": NVME, "/dev/sda": SATA}))
    view = collect_smart(_ctx(tmp_path, ["nvme0n1", "sda", "sdb", "vda"]))
    assert [(d.device, d.status) for d in view.devices] == [
        ("/dev/nvme0", "ok"), ("/dev/sda", "ok"), ("/dev/sdb", "unavailable")]
    assert "No such device" in (view.devices[2].reason or "")
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert all("--nocheck=standby" in c and "--json" in c for c in calls)  # a sleeping disk stays asleep
    assert [c[-1] for c in calls] == ["/dev/nvme0", "/dev/sda", "/dev/sdb"]
    rows = smart.to_json(view)
    assert rows[0]["wear_ratio"] == 0.16 and rows[2]["status"] == "unavailable"
    assert {m.full_name for m in smart.metrics(view)} >= {"smartctl_device_smart_status", "smartctl_device_temperature"}


def test_without_smartctl_the_source_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(SourceUnavailable, match="apt install smartmontools"):
        collect_smart(_ctx(tmp_path, ["sda"]))


def test_the_spec_reads_once_a_minute() -> None:
    ctx = Context(config=Config(), procfs=ProcFS("/nonexistent"), sysfs=SysFS("/nonexistent"))
    assert smart.spec(ctx).interval == 60.0


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
                        ["smartctl", "exit_status", "messages", "smart_status", "passed", "temperature", "current",
                         "nvme_smart_health_information_log", "percentage_used", "ata_smart_attributes", "table",
                         "id", "value", "raw", "when_failed", "device", "protocol", "model_name"]), inner,
                        max_size=4), max_leaves=20))
def test_smartctl_parser_on_any_json(data: object) -> None:
    try:
        d = parse_smartctl(json.dumps({"smartctl": {}, **data} if isinstance(data, dict) else data), "/dev/sda")
    except ParseError:
        return
    assert d.status in ("ok", "failing", "unavailable", "standby")


def test_a_sleeping_disk_is_standby_not_unavailable() -> None:
    """``--nocheck=standby`` answers with exit status 2 and says so (smartctl.cpp, "Device is in STANDBY mode")."""
    answer = {"smartctl": {"exit_status": 2, "messages": [
        {"string": "Device is in STANDBY mode, exit(2)", "severity": "information"}]}}
    d = parse_smartctl(json.dumps(answer), "/dev/sdc")
    assert d.status == "standby" and smart.alerts(SmartReading((d,)), Config()) == []
