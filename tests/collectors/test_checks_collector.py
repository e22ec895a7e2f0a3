"""The ``checks`` collector as the engine runs it, the time and network checks joined from their
panes' views, the model's counts and exit codes, and the snapshot and exporter sections."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from pathlib import Path

import pytest

from edgetop.collectors import network, ntp
from edgetop.collectors.checks import collector, joined
from edgetop.collectors.checks.collector import CATALOGUE, OWN
from edgetop.collectors.net_problems import Problem
from edgetop.collectors.network import NetworkView
from edgetop.collectors.ntp import NO_SOURCE, SYNCHRONISED, UNSYNCHRONISED, WAITING, Verdict
from edgetop.collectors.ntp_types import CLOCK, TimeReport, TimeRow
from edgetop.collectors.registry import MODULES, all_specs
from edgetop.config_schema import Config, LibvirtConfig
from edgetop.engine.checks_join import joined_checks, node_checks
from edgetop.engine.lanes import Engine
from edgetop.engine.store import Store
from edgetop.export.prometheus import render_metrics, store_metrics
from edgetop.export.snapshot import build_snapshot
from edgetop.model.alerts import Alert, Severity
from edgetop.model.checks import (
    EXIT_FAIL,
    EXIT_PASS,
    EXIT_WARN,
    Check,
    CheckId,
    CheckStatus,
    counts,
    exit_code,
)
from edgetop.model.reading import Reading, Status
from edgetop.model.spec import CollectorSpec, Context
from edgetop.sources.fs import SysFS
from edgetop.sources.process import Completed, ToolMissing
from tests.collectors.checks_trees import LIBVIRT_URI, Tree, build
from tests.fixtures.tree import materialise

PASS, WARN, FAIL, UNKNOWN = CheckStatus.PASS, CheckStatus.WARN, CheckStatus.FAIL, CheckStatus.UNKNOWN
X = CheckId("x.one", "one")


# ---- the model --------------------------------------------------------------------------------

@pytest.mark.parametrize(("statuses", "code"), [
    ((), EXIT_PASS), ((PASS, UNKNOWN), EXIT_PASS), ((PASS, WARN, UNKNOWN), EXIT_WARN), ((WARN, FAIL), EXIT_FAIL),
])
def test_exit_code(statuses: Sequence[CheckStatus], code: int) -> None:
    checks = [Check("a.b", "t", s, "e") for s in statuses]
    assert exit_code(checks) == code
    assert sum(counts(checks).values()) == len(checks) and set(counts(checks)) == {"pass", "warn", "fail", "unknown"}


def test_check_json_and_helpers() -> None:
    assert X.passed("seen").to_json() == {"id": "x.one", "area": "x", "title": "one", "status": "pass",
                                          "evidence": "seen", "fix": None}
    assert (X.warn("e", "f").status, X.fail("e", "f").fix, X.unknown("e").fix) == (WARN, "f", None)


# ---- the collector over a fixture tree, run by the engine ----------------------------------------

class Commands:
    """Recorded dmesg (no denial) and uname; anything else is not installed."""

    def installed(self, tool: str) -> bool:
        return tool in ("dmesg", "uname")

    def __call__(self, argv: Sequence[str], timeout: float) -> Completed:
        if list(argv) == ["dmesg"]:
            return Completed(tuple(argv), 0, "[    0.1] kvm: VMX enabled\n", "")
        if list(argv) == ["uname", "-m"]:
            return Completed(tuple(argv), 0, "x86_64\n", "")
        raise ToolMissing(argv, f"{argv[0]} not installed")


def context(tree: Tree, uri: str = LIBVIRT_URI) -> Context:
    config = dataclasses.replace(Config(), libvirt=LibvirtConfig(uri=uri))
    return Context(config=config, procfs=tree.procfs, sysfs=tree.sysfs, host_root=tree.root, run=Commands())


def test_spec_and_catalogue(tmp_path: Path) -> None:
    ctx = context(build("good", tmp_path))
    (spec,) = collector.specs(ctx)
    assert (spec.name, spec.lane, spec.json_key, spec.interval) == ("checks", "checks", "checks", 60.0)
    assert spec.empty_json() == [] and spec.alerts(None, ctx.config) == []
    assert len({c.id for c in CATALOGUE}) == len(CATALOGUE)  # ids are unique
    assert [c.id for c in CATALOGUE[-5:]] == ["time.sync", "network.problems", "storage.space", "storage.raid",
                                              "storage.smart"]
    assert "edgetop.collectors.checks.collector" in MODULES
    assert [s.name for s in all_specs(ctx) if s.json_key == "checks"] == ["checks"]


def test_engine_round_over_the_good_tree(tmp_path: Path) -> None:
    ctx = context(build("good", tmp_path))
    engine = Engine(ctx, collector.specs(ctx))
    try:
        asyncio.run(engine.collect_round())
    finally:
        engine.close()
    sample = engine.store.get("checks")
    assert sample is not None and sample.reading.status is Status.OK, sample.reading.reason
    checks = sample.view
    assert [c.id for c in checks] == [c.id for c in OWN]  # every check, once, in catalogue order
    by_id = {c.id: c.status for c in checks}
    # the good tree passes all its own checks; the test-driver node brings the guest and overcommit warnings,
    # and legacy pbx's vCPU pinned to CPU 1, where this process (self/status: 0-1) may run
    warned = {"host.isolated_cpus", "host.vcpu_overcommit", "host.memory_overcommit", "guests.disk_bus",
              "guests.nic_model", "guests.balloon", "guests.guest_agent", "guests.autostart", "monitor.affinity"}
    assert {k for k, s in by_id.items() if s is not PASS} == warned
    assert {by_id[k] for k in warned} == {WARN}
    assert sample.alerts == ()  # the overview will count failed checks; they raise no alert
    metrics = {m.labels: m.value for m in sample.spec.metrics(checks)}
    assert metrics[(("check", "virt.dev_kvm"),)] == 0.0 and metrics[(("check", "guests.balloon"),)] == 1.0
    json_ids = [c["id"] for c in sample.spec.to_json(checks)]
    assert json_ids == [c.id for c in OWN]


def test_the_collector_never_sees_the_real_host(tmp_path: Path) -> None:
    """Every path in the evidence is under the fixture: nothing was read from / directly."""
    tree = build("bad", tmp_path)
    checks = collector.run_checks(collector.gather(context(tree, f"test://{tmp_path}/absent.xml")))
    words = [w.strip(",;:()") for c in checks for w in c.evidence.split()]
    paths = [w for w in words if w.startswith("/")]
    assert len(paths) > 10 and all(p.startswith(str(tmp_path)) for p in paths), paths


# ---- the joined checks: time and network from their panes' views ---------------------------------

SYNC = Verdict(SYNCHRONISED, True, "chrony: 10.0.0.1", 2, ())
ALERT_W = Alert(Severity.WARNING, "ntp:chrony", "chrony", "clock 0.200 s ahead (chrony: system clock vs reference)")
ALERT_C = Alert(Severity.CRITICAL, "ntp:chrony", "chrony", "clock 2.000 s ahead (chrony: system clock vs reference)")


@pytest.mark.parametrize(("verdict", "alerts", "status", "evidence"), [
    (SYNC, [], PASS, "synchronised by chrony: 10.0.0.1 (2 reachable sources)"),
    (SYNC, [ALERT_W], WARN, "synchronised by chrony: 10.0.0.1 (2 reachable sources); warning: chrony: clock 0.200 s"),
    (SYNC, [ALERT_W, ALERT_C], FAIL, "; critical: chrony: clock 2.000 s ahead"),
    (Verdict(UNSYNCHRONISED, False, None, 1, ()), [], WARN, "unsynchronised (1 reachable sources)"),
    (Verdict(NO_SOURCE, False, None, 0, ()), [], FAIL, "no time source (0 reachable sources)"),
    (Verdict(WAITING, None, None, 0, ()), [], UNKNOWN, "the time sources have not answered yet"),
    (None, [], UNKNOWN, "the time sources have not answered yet"),
])
def test_check_time(verdict: Verdict | None, alerts: list[Alert], status: CheckStatus, evidence: str) -> None:
    check = joined.check_time(verdict, alerts)
    assert check.status is status and evidence in check.evidence


def view(*problems: Problem) -> NetworkView:
    return NetworkView((), {}, (), problems)


@pytest.mark.parametrize(("v", "status", "evidence"), [
    (view(), PASS, "no problem across 0 interfaces, 0 bonds"),
    (view(Problem("mtu_mismatch", "warning", "br0/vnet1", "port vnet1 MTU 1500 differs")), WARN,
     "0 interfaces, 0 bonds: warning: br0/vnet1: port vnet1 MTU 1500 differs"),
    (view(Problem("mtu_mismatch", "warning", "a", "m"), Problem("no_lacp_partner", "critical", "bond0", "no partner")),
     FAIL, "critical: bond0: no partner"),
    (view(*(Problem("carrier_down", "warning", f"eth{i}", "down") for i in range(7))), WARN, "and 2 more"),
    (None, UNKNOWN, "the network collector has not run"),
])
def test_check_network(v: NetworkView | None, status: CheckStatus, evidence: str) -> None:
    check = joined.check_network(v)
    assert check.status is status and evidence in check.evidence


def _spec(name: str, specs: list[CollectorSpec]) -> CollectorSpec:
    return next(s for s in specs if s.name == name)


def test_join_agrees_with_the_panes(tmp_path: Path) -> None:
    """The time and network checks come from the very views and alerts the panes show."""
    config = Config()
    store = Store(config)
    sysfs = SysFS(materialise("sysfs_bond_8023ad.txt", tmp_path) / "sys")
    ctx = Context(config=config, procfs=build("good", tmp_path / "t").procfs, sysfs=sysfs,
                  devices_procfs=build("good", tmp_path / "d").procfs, devices_sysfs=sysfs)
    net_spec = network.specs(ctx)[0]
    ntp_specs = ntp.specs(ctx)
    assert joined_checks(store.samples())[0].evidence == "the ntp:verdict collector has not run"
    reading = net_spec.build(ctx)()
    store.update(net_spec, Reading("network", Status.OK, reading, None, 0.01, 1.0, 1.0))
    row = TimeRow("chrony", "chrony", CLOCK, "chrony: system clock vs reference", offset_seconds=2.0,
                  synchronized=True, stratum=3, reference="10.0.0.1")
    store.update(_spec("ntp:chrony", ntp_specs), Reading("ntp:chrony", Status.OK, TimeReport("chrony", (row,)), None,
                                                         0.01, 1.0, 1.0))
    store.update(_spec("ntp:verdict", ntp_specs), Reading("ntp:verdict", Status.OK, ntp.decide(
        {"chrony": (TimeReport("chrony", (row,)), None)}), None, 0.01, 1.0, 1.0))
    time_check, net_check, *_storage = joined_checks(store.samples())
    pane_alerts = [a for a in store.alerts() if a.source.startswith("ntp:")]
    assert [a.severity for a in pane_alerts] == [Severity.CRITICAL]  # 2 s is past the 1 s critical threshold
    assert time_check.status is FAIL and pane_alerts[0].message in time_check.evidence
    problems = store.get("network").view.problems  # type: ignore[union-attr]
    assert problems and net_check.status is (FAIL if any(p.severity == "critical" for p in problems) else WARN)
    assert all(p.message in net_check.evidence for p in problems[:5])
    # the collector's own checks absent: node_checks is just the joined ones
    assert [c.id for c in node_checks(store.samples())] == ["time.sync", "network.problems", "storage.space",
                                                            "storage.raid", "storage.smart"]


def test_a_failed_checks_collector_lists_each_check_as_unknown() -> None:
    store = Store(Config())
    spec = CollectorSpec(name="checks", lane="checks", json_key="checks", pane="checks", build=lambda c: lambda: None)
    store.update(spec, Reading("checks", Status.UNAVAILABLE, None, "no answer within 30 s", 30.0, 1.0, 1.0))
    checks = node_checks(store.samples())
    assert [c.id for c in checks] == [c.id for c in CATALOGUE]
    assert {c.status for c in checks} == {UNKNOWN}
    assert checks[0].evidence == "the checks collector gave no answer: checks: no answer within 30 s"


def test_snapshot_and_exporter_carry_every_check(tmp_path: Path) -> None:
    ctx = context(build("good", tmp_path))
    specs = collector.specs(ctx)
    engine = Engine(ctx, specs)
    try:
        asyncio.run(engine.collect_round())
    finally:
        engine.close()
    snap = build_snapshot(engine.store, specs)
    assert [c["id"] for c in snap["checks"]] == [c.id for c in CATALOGUE]
    assert "checks" in snap and list(snap)[-3:] == ["events", "alerts", "sources"]
    text = render_metrics(store_metrics(engine.store))
    assert "# HELP edgetop_check_status Set-up check verdict: 0 pass, 1 warn, 2 fail, -1 unknown" in text
    assert text.count("# TYPE edgetop_check_status gauge") == 1
    assert 'edgetop_check_status{check="virt.dev_kvm"} 0' in text
    assert 'edgetop_check_status{check="guests.nic_model"} 1' in text
    assert 'edgetop_check_status{check="time.sync"} -1' in text  # no time collector ran
    assert sum(1 for line in text.splitlines() if line.startswith("edgetop_check_status{")) == len(CATALOGUE)


def test_the_readme_names_every_check() -> None:
    readme = (Path(__file__).resolve().parent.parent.parent / "README.md").read_text()
    section = readme.split("## Checking the node's set-up", 1)[1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip(): line for line in section.splitlines() if line.startswith("| `")}
    for check in CATALOGUE:
        area, name = check.id.split(".", 1)
        row = next((line for key, line in rows.items() if f"`{area}`" in key), "")
        assert f"`{name}`" in row or f"`{check.id}`" in row, f"README's table of checks lacks {check.id}"
