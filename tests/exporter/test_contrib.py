"""contrib/: the hardened exporter unit (systemd-analyze, never started) and the Prometheus files (promtool)."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO

CONTRIB = REPO / "contrib"
PROMETHEUS = CONTRIB / "prometheus"
EDGETOP = Path(sys.executable).parent / "edgetop"


def _run(*argv: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=120, cwd=cwd, env=env,
                          check=False)


def _unit() -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, comment_prefixes=("#", ";"), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(CONTRIB / "edgetop-exporter.service")
    return parser


def test_the_unit_is_hardened_as_the_guide_asks() -> None:
    service = _unit()["Service"]
    assert service["DynamicUser"] == "yes" and service["User"] == "edgetop-exporter"  # its own user
    assert service["ProtectSystem"] == "strict" and service["NoNewPrivileges"] == "yes"
    assert service["CapabilityBoundingSet"] == "" and service["PrivateDevices"] == "yes"
    assert re.fullmatch(r"\d+", service["CPUAffinity"])  # one housekeeping core
    assert re.fullmatch(r"\d+M", service["MemoryMax"]) and int(service["MemoryMax"][:-1]) <= 512
    assert "--read-only" in service["ExecStart"] and "127.0.0.1:9117" in service["ExecStart"]


@pytest.fixture(scope="module")
def manpath(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A MANPATH holding edgetop(1), so that the unit's Documentation= resolves as on an install."""
    root = tmp_path_factory.mktemp("man")
    (root / "man1").mkdir()
    result = _run(sys.executable, REPO / "tools" / "gen_manpage.py", root / "man1" / "edgetop.1", "0.0")
    assert result.returncode == 0, result.stderr
    return str(root)


def _installed_copy(tmp_path: Path, *, protected: bool = False) -> Path:
    text = (CONTRIB / "edgetop-exporter.service").read_text().replace("/opt/edgetop/bin/edgetop", str(EDGETOP))
    if protected:  # the commented variant for scrapes from another host: TLS and auth as credentials
        text = re.sub(r"^#(LoadCredential=|ExecStart=)", r"\1", text, flags=re.M)
    unit = tmp_path / "edgetop-exporter.service"
    unit.write_text(text)
    return unit


@pytest.mark.parametrize("protected", [False, True])
def test_systemd_analyze_verifies_the_unit(tmp_path: Path, manpath: str, protected: bool) -> None:
    assert EDGETOP.exists()
    unit = _installed_copy(tmp_path, protected=protected)
    result = _run("systemd-analyze", "verify", unit, env={"MANPATH": manpath, "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0 and not result.stderr, result.stderr


def test_systemd_analyze_security_rates_the_unit_ok(tmp_path: Path, manpath: str) -> None:
    unit = _installed_copy(tmp_path)
    result = _run("systemd-analyze", "security", "--offline=true", unit,
                  env={"MANPATH": manpath, "PATH": "/usr/bin:/bin"})
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+) (\w+)", result.stdout)
    assert found, result.stdout + result.stderr
    assert float(found.group(1)) <= 2.0 and found.group(2) == "OK"  # the old unit scored 7.5 EXPOSED


def test_verify_fails_on_a_unit_that_breaks_a_directive(tmp_path: Path, manpath: str) -> None:
    unit = _installed_copy(tmp_path)
    unit.write_text(unit.read_text().replace("ProtectSystem=strict", "ProtectSystem=sideways"))
    result = _run("systemd-analyze", "verify", unit, env={"MANPATH": manpath, "PATH": "/usr/bin:/bin"})
    assert "protect system value" in result.stderr  # the check above (empty stderr) would fail


@pytest.mark.parametrize("name", ["edgetop-scrape.yml", "edgetop-federation.yml", "edgetop-fleet-direct.yml"])
def test_promtool_checks_the_prometheus_configs(tmp_path: Path, name: str) -> None:
    for f in PROMETHEUS.iterdir():
        shutil.copy(f, tmp_path)
    result = _run("promtool", "check", "config", name, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_tests_the_alerting_rules(tmp_path: Path) -> None:
    assert _run("promtool", "check", "rules", PROMETHEUS / "edgetop-rules.yml").returncode == 0
    result = _run("promtool", "test", "rules", "edgetop-rules.test.yml", cwd=PROMETHEUS)
    assert result.returncode == 0 and "SUCCESS" in result.stdout, result.stdout + result.stderr
    rules = (PROMETHEUS / "edgetop-rules.yml").read_text()
    alerts = set(re.findall(r"- alert: (\w+)", rules))
    tested = set(re.findall(r"alertname: (\w+)", (PROMETHEUS / "edgetop-rules.test.yml").read_text()))
    assert {"EdgeHostCpuSteal", "EdgeTemperatureHigh", "EdgeBondSlaveDown", "EdgeMtuMismatch", "EdgeNtpOffset",
            "EdgeSnmpTargetDown", "EdgeFilesystemFull", "EdgeGuestPaused"} <= tested <= alerts
    # The tests can fail: the same tests over a rule file with the bond rule broken.
    for f in PROMETHEUS.iterdir():
        shutil.copy(f, tmp_path)
    (tmp_path / "edgetop-rules.yml").write_text(rules.replace("node_bonding_active < node_bonding_slaves",
                                                              "node_bonding_active > node_bonding_slaves"))
    broken = _run("promtool", "test", "rules", "edgetop-rules.test.yml", cwd=tmp_path)
    assert broken.returncode != 0 and "EdgeBondSlaveDown" in broken.stdout + broken.stderr
