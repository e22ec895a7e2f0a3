"""Checks of edgetop itself: its processes found in a fixture /proc, the listen address, CPU cost, affinity."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from edgetop.collectors.checks import monitor
from edgetop.collectors.checks.guest_setup import GuestSetup
from edgetop.collectors.checks.host import Placement
from edgetop.collectors.checks.libvirt_facts import GuestFacts, LibvirtFacts
from edgetop.collectors.checks.monitor import EdgetopProcess, MonitorFacts
from edgetop.collectors.proc_stat import USER_HZ
from edgetop.model.checks import CheckStatus
from tests.collectors.checks_trees import add_process, build, set_self

PASS, WARN, FAIL, UNKNOWN = CheckStatus.PASS, CheckStatus.WARN, CheckStatus.FAIL, CheckStatus.UNKNOWN


@pytest.mark.parametrize(("argv", "args"), [
    (["edgetop"], []),
    (["/usr/local/bin/edgetop", "--demo", "serve"], ["--demo", "serve"]),
    (["/work/main/.venv/bin/python3", "-m", "edgetop", "check", "--json"], ["check", "--json"]),
    (["python3.11", "/usr/bin/edgetop", "snapshot"], ["snapshot"]),
    (["python3", "-m", "http.server"], None),
    (["/usr/bin/edgetop-helper"], None),
    ([], None),
])
def test_edgetop_args(argv: list[str], args: list[str] | None) -> None:
    assert monitor.edgetop_args(argv) == args


@pytest.mark.parametrize(("args", "role", "listen"), [
    ([], "tui", None),
    (["--demo", "--theme", "edgetop-dark"], "tui", None),
    (["serve"], "serve", "127.0.0.1:9117"),
    (["--config", "serve", "snapshot"], "snapshot", None),  # a config file named "serve"
    (["serve", "--listen", "0.0.0.0:9117"], "serve", "0.0.0.0:9117"),
    (["--interval", "2", "serve", "--listen=[::]:9200"], "serve", "[::]:9200"),
    (["check", "--only", "serve"], "check", None),
    (["check-config", "x.yaml"], "check-config", None),
])
def test_role_and_listen(args: list[str], role: str, listen: str | None) -> None:
    assert monitor.role_and_listen(args) == (role, listen)


@pytest.mark.parametrize(("listen", "loopback"), [
    ("127.0.0.1:9117", True), ("127.1.2.3:80", True), ("[::1]:9117", True), ("localhost:9117", True),
    (":9117", True),  # edgetop serve reads an empty address as 127.0.0.1
    ("0.0.0.0:9117", False), ("[::]:9117", False), ("10.0.0.5:9117", False), ("node1.example:9117", False),
    ("[::1:9117", False),
])
def test_is_loopback(listen: str, loopback: bool) -> None:
    assert monitor.is_loopback(listen) is loopback


def facts(*procs: EdgetopProcess) -> MonitorFacts:
    me = next((p.cpus for p in procs if p.is_self), None)
    return MonitorFacts("/proc", procs, me)


SERVE = EdgetopProcess(10, "serve", "127.0.0.1:9117", 6.0, 600.0, frozenset({0}))
TUI = EdgetopProcess(11, "tui", None, 12.0, 600.0, frozenset({0, 1}))
CHECK = EdgetopProcess(12, "check", None, 0.8, 1.0, frozenset({0, 1, 2, 3}), is_self=True)


@pytest.mark.parametrize(("f", "status", "evidence"), [
    (facts(), PASS, "no edgetop serve process in /proc"),
    (facts(SERVE, TUI), PASS, "pid 10 (serve) listens on 127.0.0.1:9117"),
    (facts(EdgetopProcess(13, "serve", "0.0.0.0:9117")), WARN,
     "pid 13 (serve) listens on 0.0.0.0:9117: beyond loopback, without TLS or authentication"),
    (facts(EdgetopProcess(14, "serve", "0.0.0.0:9117", protection="TLS and basic auth")), PASS,
     "pid 14 (serve) listens on 0.0.0.0:9117 with TLS and basic auth"),
    (facts(EdgetopProcess(15, "serve", "0.0.0.0:9117", protection="TLS only")), WARN,
     "pid 15 (serve) listens on 0.0.0.0:9117 with TLS only: beyond loopback, without authentication"),
    (facts(EdgetopProcess(16, "serve", "10.0.0.5:9117", protection="basic auth only")), WARN,
     "pid 16 (serve) listens on 10.0.0.5:9117 with basic auth only: beyond loopback, without TLS"),
    (facts(EdgetopProcess(17, "serve", "10.0.0.5:9117", protection="unknown (/x not found)")), WARN,
     "pid 17 (serve) listens on 10.0.0.5:9117 with unknown (/x not found): beyond loopback, without known TLS "
     "and authentication"),
])
def test_exporter_listen(f: MonitorFacts, status: CheckStatus, evidence: str) -> None:
    check = monitor.check_exporter_listen(f)
    assert check.status is status and check.evidence == evidence


@pytest.mark.parametrize(("f", "status", "evidence"), [
    (facts(CHECK), PASS, "no long-running edgetop (TUI or serve) in /proc"),  # this command's own cost is moot
    (facts(SERVE, TUI, CHECK), PASS, "pid 10 (serve) 1.0% of one CPU (6.0 s in 600 s); pid 11 (tui) 2.0% of one CPU"),
    (facts(EdgetopProcess(11, "tui", None, 60.0, 600.0)), WARN, "pid 11 (tui) 10.0% of one CPU (60.0 s in 600 s)"),
    (facts(EdgetopProcess(11, "tui", None, 5.0, 10.0)), UNKNOWN, "pid 11 (tui): started less than 60 s ago"),
])
def test_cpu_cost(f: MonitorFacts, status: CheckStatus, evidence: str) -> None:
    check = monitor.check_cpu_cost(f)
    assert check.status is status and check.evidence.startswith(evidence)


def lv(*pins: tuple[tuple[int, tuple[int, ...]], ...], active: bool = True) -> LibvirtFacts:
    return LibvirtFacts("qemu:///system", guests=tuple(
        GuestFacts(f"vm{i}", active, True, GuestSetup(pins=p)) for i, p in enumerate(pins)))


@pytest.mark.parametrize(("f", "libvirt", "status", "evidence"), [
    (facts(CHECK), lv(), PASS, "pid 12 (check) on CPUs 0-3; no vCPU of an active guest is pinned"),
    (facts(SERVE, TUI, CHECK), lv(((0, (2,)), (1, (3,)))), PASS,
     "pid 10 (serve) on CPUs 0; pid 11 (tui) on CPUs 0-1; vCPUs pinned to CPUs 2-3"),
    (facts(SERVE, TUI), lv(((0, (2,)),), ((0, (3,)),), active=False), PASS,
     "pid 10 (serve) on CPUs 0; pid 11 (tui) on CPUs 0-1; no vCPU of an active guest is pinned"),
    (facts(SERVE, TUI), lv(((0, (1, 2)),)), WARN, "vCPUs pinned to CPUs 1-2; pid 11 (tui) shares CPUs 1"),
    (facts(), lv(), UNKNOWN, "no edgetop process with a readable Cpus_allowed_list in /proc"),
    (facts(TUI), LibvirtFacts("qemu:///system", error="down"), UNKNOWN, "guests unknown"),
])
def test_affinity(f: MonitorFacts, libvirt: LibvirtFacts, status: CheckStatus, evidence: str) -> None:
    check = monitor.check_affinity(f, libvirt)
    assert check.status is status and check.evidence.startswith(evidence)


def test_gather_from_a_fixture_proc(tmp_path: Path) -> None:
    tree = build("good", tmp_path)
    hz = USER_HZ
    # uptime 86400 s; serve started at 86400 - 3600 s and used 36 s; the TUI started 30 s ago
    add_process(tree, 4100, ["/usr/bin/python3", "/usr/local/bin/edgetop", "serve", "--listen", "0.0.0.0:9117"],
                cpu_ticks=36 * hz, start_ticks=(86400 - 3600) * hz, cpus="0")
    add_process(tree, 4200, ["edgetop", "--demo"], cpu_ticks=3 * hz, start_ticks=(86400 - 30) * hz, cpus="0-3")
    add_process(tree, 4300, ["/usr/bin/python3", "-m", "http.server"])
    add_process(tree, 4400, ["python3", "-m", "edgetop", "check"], cpus="1")
    set_self(tree, 4400)
    (tree.base / "proc" / "4500").mkdir()  # a process that ended while the directory was listed
    f = monitor.gather_monitor(tree.procfs)
    assert [(p.pid, p.role, p.listen, p.is_self, p.cpus) for p in f.processes] == [
        (4100, "serve", "0.0.0.0:9117", False, frozenset({0})),
        (4200, "tui", None, False, frozenset({0, 1, 2, 3})),
        (4400, "check", None, True, frozenset({0, 1})),  # set_self carried the tree's self/status over
    ]
    serve = f.processes[0]
    assert serve.cpu_seconds == pytest.approx(36.0) and serve.age_seconds == pytest.approx(3600.0)
    assert monitor.watched_by(f) == (Placement("pid 4100 (serve)", frozenset({0})),
                                     Placement("pid 4200 (tui)", frozenset({0, 1, 2, 3})))
    checks = {c.id: c for c in monitor.run_checks(f, lv(((0, (2,)),)))}
    assert {k: c.status for k, c in checks.items()} == {
        "monitor.exporter_listen": WARN, "monitor.cpu_cost": PASS, "monitor.affinity": WARN}
    # the TUI is 30 s old: judged on the exporter alone
    assert checks["monitor.cpu_cost"].evidence == "pid 4100 (serve) 1.0% of one CPU (36.0 s in 3600 s)"
    assert checks["monitor.affinity"].evidence.endswith("pid 4200 (tui) shares CPUs 2")


def test_no_edgetop_running(tmp_path: Path) -> None:
    tree = build("good", tmp_path)
    f = monitor.gather_monitor(tree.procfs)
    # no edgetop in the tree: this process's own allowed CPUs (self/status) stand for it
    assert f.processes == () and monitor.watched_by(f) == (Placement("this process", frozenset({0, 1})),)
    assert monitor.watched_by(MonitorFacts("/x", ())) == ()


@pytest.mark.parametrize(("text", "expected"), [
    ("tls_server_config: {cert_file: c.pem, key_file: k.pem}\nbasic_auth_users: {p: '$2y$10$x'}\n",
     "TLS and basic auth"),
    ("tls_server_config: {cert_file: c.pem, key_file: k.pem}\n", "TLS only"),
    ("basic_auth_users: {p: '$2y$10$x'}\n", "basic auth only"),
    ("{}\n", "none"),
])
def test_web_config_protection(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "web.yml").write_text(text)
    assert monitor.web_config_protection(tmp_path / "web.yml") == expected


def test_web_config_protection_refuses_a_fifo_at_once(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "web.yml")
    assert monitor.web_config_protection(tmp_path / "web.yml").startswith("unknown (")
    assert monitor.web_config_protection(tmp_path / "nope.yml").startswith("unknown (")


def test_the_web_config_of_a_serve_command_line() -> None:
    args = ["serve", "--listen", "0.0.0.0:9117", "--web.config.file", "/etc/edgetop/web.yml"]
    assert monitor.role_and_listen(args) == ("serve", "0.0.0.0:9117")
    assert monitor.web_config_arg(args) == "/etc/edgetop/web.yml"
    assert monitor.web_config_arg(["serve", "--web.config.file=w.yml"]) == "w.yml"
