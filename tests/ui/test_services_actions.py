"""Pilot tests of the services pane, the confirm dialog, the CPU picker and the action glue.

Real parts: a recording stub ``systemctl`` first on PATH for restarts, a real child
process for pinning; the runner, policy, audit and backends are the production ones.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Static

from edgetop.actions.audit import AuditLog
from edgetop.actions.backends.host import HostBackend
from edgetop.actions.intents import Intent, RestartService
from edgetop.actions.policy import Credentials
from edgetop.actions.runner import Runner
from edgetop.collectors import libvirt_domains, services, topology
from edgetop.collectors.libvirt_domains import DomainsRaw
from edgetop.collectors.libvirt_stats import DomainStats, VcpuStats
from edgetop.collectors.services import collect_services
from edgetop.collectors.topology import read_topology
from edgetop.config_schema import ActionsConfig, Config
from edgetop.demo import demo_context
from edgetop.model.reading import Status
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.ui import action_glue
from edgetop.ui.panes.services import ServicesPane
from edgetop.ui.screens.confirm import ConfirmScreen
from edgetop.ui.screens.cpu_picker import CpuPickerScreen, pick_cpus
from edgetop.ui.widgets.synced_table import SyncedTable
from tests.actions.conftest import Stub, stub  # noqa: F401  (the fixture)
from tests.actions.test_restart import StepClock
from tests.helpers import wait_for
from tests.ui.harness import PaneHarness

ROOT = Credentials(0, 0, frozenset({0}), (1 << 41) - 1)
CONFIG = replace(Config(), services=("snmpd", "chronyd"), actions=ActionsConfig(timeout=20))


class ActionHarness(PaneHarness):
    """The pane harness plus what the real app offers panes: read_only, runner, request_action."""

    def __init__(self, runner: Runner, read_only: bool = False) -> None:
        super().__init__(ServicesPane, CONFIG)
        self.runner = runner
        self.read_only = read_only

    async def request_action(self, intent: Intent) -> None:
        await action_glue.request_action(self, self.runner, intent)


def screen_text(app: Any) -> str:
    """The characters on screen (from the SVG export: text nodes, entities decoded)."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg.split("</style>")[-1]))


def messages(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


def make_runner(fake: Stub, tmp_path: Path, credentials: Credentials = ROOT, read_only: bool = False) -> Runner:
    clock = StepClock()  # the settle wait after a restart runs on it: no real sleeping
    return Runner(CONFIG, read_only=read_only, credentials=credentials,
                  backend=HostBackend(timeout=20, libvirt_uri="test:///default", root=fake.root,
                                      clock=clock.monotonic, sleep=clock.sleep),
                  audit=AuditLog(tmp_path / "audit.log", syslog_path=None))


def feed_topology(app: PaneHarness, sysfs: SysFS | None = None, status: Status = Status.OK,
                  reason: str | None = None) -> None:
    """Store a sample of the topology collector, as the engine would before the picker opens."""
    ctx = Context(config=CONFIG, procfs=ProcFS(), sysfs=sysfs or SysFS())
    (spec,) = topology.specs(ctx)
    app.feed(spec, spec.build(ctx)() if status is Status.OK else None, status, reason)


def demo_reading(tmp_path: Path) -> services.ServicesReading:
    ctx = demo_context(CONFIG, ProcFS(tmp_path), SysFS(tmp_path))
    return collect_services(ctx)


async def test_table_and_restart_flow(stub: Stub, tmp_path: Path) -> None:  # noqa: F811
    app = ActionHarness(make_runner(stub, tmp_path))
    spec = services.specs(Context(config=CONFIG, procfs=ProcFS(), sysfs=SysFS()))[0]
    async with app.run_test(size=(80, 25)) as pilot:
        app.feed(spec, demo_reading(tmp_path))
        await pilot.pause()
        table = app.query_one("#services-table", SyncedTable)
        assert table.row_count == 2
        assert str(table.get_cell("snmpd", "active")) == "failed"
        assert str(table.get_cell("chronyd", "pid")) == "640"
        await pilot.press("r")  # cursor on the first row: snmpd
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.command == "systemctl --no-ask-password restart -- snmpd"
        assert stub.calls() == []  # nothing runs before the answer
        await pilot.press("y")
        await wait_for(lambda: any("main PID 4242" in m for m in messages(app)))
        assert stub.calls()[0] == ["systemctl", "--no-ask-password", "restart", "--", "snmpd"]
        # Cancel: nothing runs.
        await pilot.press("down", "r")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_for(lambda: "cancelled" in messages(app))
        assert len([c for c in stub.calls() if "restart" in c]) == 1


async def test_restart_that_leaves_the_unit_failed_is_shown_failed(
    stub: Stub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    journal = tmp_path / "journal.txt"
    journal.write_text("2026-12-06T05:01:02+0000 node snmpd[811]: line 12: Error: bad agentAddress\n"
                       "2026-12-06T05:01:02+0000 node systemd[1]: snmpd.service: Failed with result 'exit-code'.\n")
    monkeypatch.setenv("STUB_JOURNAL", str(journal))
    monkeypatch.setenv("STUB_SHOW", "failed/failed")
    app = ActionHarness(make_runner(stub, tmp_path))
    spec = services.specs(Context(config=CONFIG, procfs=ProcFS(), sysfs=SysFS()))[0]
    async with app.run_test(size=(80, 25)) as pilot:
        app.feed(spec, demo_reading(tmp_path))
        await pilot.pause()
        await pilot.press("r")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(lambda: any("failed/failed" in m for m in messages(app)))
        (note,) = [n for n in app._notifications if "failed/failed" in n.message]
        assert note.severity == "error" and note.title == "Still failed"
        assert "Done" not in [n.title for n in app._notifications]
        assert "bad agentAddress" in note.message and "Failed with result" in note.message
    audit = (tmp_path / "audit.log").read_text()
    assert 'outcome="failure"' in audit and 'outcome="success"' not in audit


async def test_refusal_is_told_before_any_dialog(stub: Stub, tmp_path: Path) -> None:  # noqa: F811
    app = ActionHarness(make_runner(stub, tmp_path, Credentials(1000, 1000, frozenset({1000}), 0)))
    spec = services.specs(Context(config=CONFIG, procfs=ProcFS(), sysfs=SysFS()))[0]
    async with app.run_test(size=(80, 25)) as pilot:
        app.feed(spec, demo_reading(tmp_path))
        await pilot.pause()
        await pilot.press("r")
        await wait_for(lambda: any("needs root" in m for m in messages(app)))
        assert not isinstance(app.screen, ConfirmScreen)
    assert stub.calls() == []


async def test_read_only_hides_restart(stub: Stub, tmp_path: Path) -> None:  # noqa: F811
    app = ActionHarness(make_runner(stub, tmp_path, read_only=True), read_only=True)
    spec = services.specs(Context(config=CONFIG, procfs=ProcFS(), sysfs=SysFS()))[0]
    async with app.run_test(size=(80, 25)) as pilot:
        app.feed(spec, demo_reading(tmp_path))
        await pilot.pause()
        assert "restart_service" not in {b.binding.action for b in app.screen.active_bindings.values()
                                         if b.enabled}
        await pilot.press("r")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
    assert stub.calls() == []


CHILD = ("import threading,sys\nt=threading.Thread(target=sys.stdin.read);t.start()\n"
         "print('ready',flush=True)\nt.join()\n")


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs")
async def test_pin_flow_picker_confirm_real_child(stub: Stub, tmp_path: Path) -> None:  # noqa: F811
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        runner = make_runner(stub, tmp_path)
        app = ActionHarness(runner)
        online = sorted(read_topology(SysFS()).online)
        async with app.run_test(size=(80, 25)) as pilot:
            feed_topology(app)
            worker = app.run_worker(action_glue.request_pin_process(
                app, runner, proc.pid, f"CPU affinity of {proc.pid}", frozenset(online), store=app.store))
            await wait_for(lambda: isinstance(app.screen, CpuPickerScreen))
            picker = app.screen
            assert isinstance(picker, CpuPickerScreen)
            assert picker.selected == set(online)
            await wait_for(lambda: picker.query_one("#picker-table", DataTable).row_count == len(online))
            await pilot.pause()
            await pilot.press("space")  # untick the first CPU
            assert picker.selected == set(online[1:])
            await pilot.press("enter")
            await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            await worker.wait()
            await wait_for(lambda: any("now on CPUs" in m for m in messages(app)))
        tids = [int(t) for t in os.listdir(f"/proc/{proc.pid}/task")]
        assert len(tids) == 2
        assert all(os.sched_getaffinity(t) == set(online[1:]) for t in tids)
    finally:
        proc.kill()
        proc.wait(timeout=10)


async def test_picker_ascii_and_cancel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "linux")
    app = PaneHarness(ServicesPane, CONFIG)
    async with app.run_test(size=(80, 25)) as pilot:
        feed_topology(app)
        worker = app.run_worker(pick_cpus(app, "pick", frozenset({0}), app.store))
        await wait_for(lambda: isinstance(app.screen, CpuPickerScreen))
        table = app.screen.query_one("#picker-table", DataTable)
        await wait_for(lambda: table.row_count > 0)  # filled in on_mount
        await pilot.pause()
        assert str(table.get_cell("0", "SEL")) == "[x]"
        cells = [str(c) for r in range(table.row_count) for c in table.get_row_at(r)]
        assert all(c.isascii() for c in cells)  # readable with the console font
        shown = screen_text(app)
        assert "[x]" in shown  # rendered, not swallowed as a markup tag
        assert not set("▔▁▐▌") & set(shown)  # no glyphs the console font lacks in our dialog
        await pilot.press("a")
        assert app.screen.selected == read_topology(SysFS()).online  # type: ignore[attr-defined]
        await pilot.press("escape")
        await worker.wait()
        assert worker.result is None


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")


async def test_picker_shows_topology_and_guests_from_the_store(tmp_path: Path) -> None:
    """Four CPUs (two cores of two threads, CPU 3 isolated) and a guest with a pinned and a free vCPU."""
    for cpu in range(4):
        write(tmp_path, f"devices/system/cpu/cpu{cpu}/topology/physical_package_id", "0")
        write(tmp_path, f"devices/system/cpu/cpu{cpu}/topology/core_id", str(cpu // 2))
        write(tmp_path, f"devices/system/cpu/cpu{cpu}/topology/thread_siblings_list", f"{cpu - cpu % 2}-{cpu | 1}")
    write(tmp_path, "devices/system/cpu/online", "0-3")
    write(tmp_path, "devices/system/cpu/isolated", "3")
    guest = DomainStats(name="web", uuid="u1", state="running", reason="booted", id=1, vcpus=2,
                        vcpu_list=(VcpuStats(id=0, cpu=3, affinity=(2, 3)), VcpuStats(id=1, cpu=1, affinity=None)))
    domains = next(s for s in libvirt_domains.specs(Context(CONFIG, ProcFS(), SysFS())) if s.name == "domains")
    app = PaneHarness(ServicesPane, CONFIG)
    async with app.run_test(size=(80, 25)) as pilot:
        feed_topology(app, SysFS(tmp_path))
        app.feed(domains, DomainsRaw((guest,), None, 0.0))
        worker = app.run_worker(pick_cpus(app, "pick", frozenset({1}), app.store))
        await wait_for(lambda: isinstance(app.screen, CpuPickerScreen))
        table = app.screen.query_one("#picker-table", DataTable)
        await wait_for(lambda: table.row_count == 4)
        rows = {str(table.get_row_at(r)[1]): [str(c) for c in table.get_row_at(r)] for r in range(4)}
        assert rows["1"] == ["[x]", "1", "-", "0", "0", "0-1", "web/v1"]
        assert rows["2"] == ["[ ]", "2", "-", "0", "1", "2-3", "web/v0 pinned"]
        assert rows["3"] == ["[ ]", "3", "-", "0", "1", "2-3", "isolated, web/v0 pinned"]
        assert rows["0"][-1] == ""
        summary = str(app.screen.query_one("#picker-summary", Static).render())
        assert summary == "selected: 1   isolated: 3"
        await pilot.press("escape")
        await worker.wait()


@pytest.mark.parametrize(("status", "reason", "shown"), [
    (None, None, "CPU picker: topology: waiting for the first sample"),
    (Status.UNAVAILABLE, "no CPUs under /x/devices/system/cpu",
     "CPU picker: topology unavailable: no CPUs under /x/devices/system/cpu"),
])
async def test_picker_says_why_there_is_no_topology(status: Status | None, reason: str | None, shown: str) -> None:
    app = PaneHarness(ServicesPane, CONFIG)
    async with app.run_test(size=(80, 25)):
        if status is not None:
            feed_topology(app, status=status, reason=reason)
        worker = app.run_worker(pick_cpus(app, "pick", frozenset({0}), app.store))
        await worker.wait()
        assert worker.result is None
        assert messages(app) == [shown]
        assert not isinstance(app.screen, CpuPickerScreen)


class LoopHarness(ActionHarness):
    """Actions awaited in the app's own loop, as a plain ``async def action_*`` does."""

    BINDINGS = [("x", "restart_in_loop", "x"), ("z", "pick_in_loop", "z")]  # noqa: RUF012

    async def action_restart_in_loop(self) -> None:
        await action_glue.request_action(self, self.runner, RestartService("snmpd"))

    async def action_pick_in_loop(self) -> None:
        self.picked = await pick_cpus(self, "pick", frozenset({0}), self.store)


async def test_awaiting_in_the_app_loop_neither_hangs_nor_blocks(stub: Stub, tmp_path: Path) -> None:  # noqa: F811
    app = LoopHarness(make_runner(stub, tmp_path))
    async with app.run_test(size=(80, 25)) as pilot:
        await pilot.press("x")  # moves itself into a worker: the dialog still gets its keys
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(lambda: any("main PID 4242" in m for m in messages(app)))
        await pilot.press("z")  # cannot return a value from there: refuses instead of hanging
        await wait_for(lambda: any("must run in a worker" in m for m in messages(app)))
        assert app.picked is None
        assert not isinstance(app.screen, CpuPickerScreen)
