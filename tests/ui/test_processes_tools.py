"""The Processes pane as an htop user reaches for it: sorted every tick, cursor on its pid, tree, search, follow, I/O.

Rows are fed as the collector reads them (``ProcessRaw``) through the collector's own
derive, so CPU% and I/O rates come out of the real code; the pane runs in the harness.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from edgetop.collectors.processes import ProcessesRaw, ProcessRaw, derive_processes
from edgetop.ui.panes.processes import ProcessesPane
from edgetop.ui.render.process_tree import tree_order
from edgetop.ui.widgets.synced_table import SyncedTable
from tests.helpers import fake_spec

from .harness import PaneHarness, cell

SPEC = fake_spec("processes", pane="processes", derive=derive_processes)


def proc(pid: int, cpu: float, ppid: int = 1, cmd: str = "", io: tuple[int | None, int | None] = (0, 0),
         domain: str | None = None, start: int | None = None) -> ProcessRaw:
    return ProcessRaw(pid, ppid, 0, "S", f"p{pid}", cmd or f"/usr/bin/p{pid} --run", False, cpu, 4096, 1,
                      frozenset({0}), pid * 10 if start is None else start, 0, io[0], io[1], domain)


class Feeder:
    """Feeds successive samples one second apart, each process's CPU seconds growing by its share."""

    def __init__(self, app: PaneHarness) -> None:
        self.app, self.t = app, 100.0
        self.cpu: dict[int, float] = {}

    def tick(self, shares: dict[int, float], **extra: Any) -> None:
        self.t += 1.0
        rows = []
        for pid, share in shares.items():
            self.cpu[pid] = self.cpu.get(pid, 0.0) + share
            rows.append(proc(pid, self.cpu[pid], **extra.get(str(pid), {})))
        self.app.feed(SPEC, ProcessesRaw(tuple(rows), 1 << 30), monotonic=self.t)


def order(pane: ProcessesPane) -> list[int]:
    return [int(k) for k in pane.table.row_keys_in_order()]


def cpu_shown(pane: ProcessesPane) -> list[float]:
    # A process new this tick has no CPU% yet (n/a): it sorts below every known value.
    texts = [cell(pane.table, k, "cpu") for k in pane.table.row_keys_in_order()]
    return [-1.0 if t == "n/a" else float(t) for t in texts]


async def test_stays_sorted_every_tick_and_the_cursor_stays_on_its_pid() -> None:
    app = PaneHarness(ProcessesPane)
    async with app.run_test(size=(120, 30)) as pilot:
        feed, pane = Feeder(app), app.pane
        assert isinstance(pane, ProcessesPane)
        feed.tick({p: 0.0 for p in range(10, 20)})
        feed.tick({p: (p - 10) * 0.05 for p in range(10, 20)})  # 19 busiest
        await pilot.pause()
        assert order(pane)[:3] == [19, 18, 17]
        pane.table.focus()
        await pilot.press("down", "down")
        assert pane.table.cursor_key == "17"
        # Shares reversed, a process gone above the cursor, two new ones: still sorted, cursor on 17.
        feed.tick({p: (20 - p) * 0.05 for p in range(10, 20) if p != 18} | {30: 0.9, 31: 0.0})
        await pilot.pause()
        shown = cpu_shown(pane)
        assert shown == sorted(shown, reverse=True)
        assert pane.table.cursor_key == "17"
        for n in range(5):  # five more ticks of shuffled load: sorted each time, the cursor never slides
            feed.tick({p: ((p * 7 + n * 3) % 10) * 0.03 for p in [*range(10, 18), 19, 30, 31, 40 + n]})
            await pilot.pause()
            shown = cpu_shown(pane)
            assert shown == sorted(shown, reverse=True), n
            assert pane.table.cursor_key == "17", n
        # The header says which column sorts, and which way.
        assert "CPU%▼" in "".join(seg.text for seg in pane.table.render_line(0))
        await pilot.press("N")
        assert "PID▲" in "".join(seg.text for seg in pane.table.render_line(0))
        # A sort the user chose shows the list from its top, cursor on the first row.
        assert pane.table.cursor_row == 0 and pane.table.cursor_key == "10"


async def test_tree_view_orders_children_under_parents() -> None:
    app = PaneHarness(ProcessesPane)
    async with app.run_test(size=(120, 30)) as pilot:
        feed, pane = Feeder(app), app.pane
        assert isinstance(pane, ProcessesPane)
        layout = {"1": {"ppid": 0}, "5": {"ppid": 1}, "6": {"ppid": 5}, "7": {"ppid": 5}, "8": {"ppid": 1}}
        shares = {1: 0.0, 5: 0.1, 6: 0.05, 7: 0.3, 8: 0.2}
        feed.tick(shares, **layout)
        feed.tick(shares, **layout)
        pane.table.focus()
        await pilot.press("t")
        # Siblings by CPU, busiest first: under 1, 8 (20%) before 5 (10%); under 5, 7 (30%) before 6.
        assert order(pane) == [1, 8, 5, 7, 6]
        commands = [cell(pane.table, k, "command") for k in pane.table.row_keys_in_order()]
        assert commands[1].startswith("├─") and commands[2].startswith("└─")
        assert commands[3].startswith("  ├─") and commands[4].startswith("  └─")
        await pilot.press("t")
        assert order(pane) == [7, 8, 5, 6, 1]


def test_tree_order_survives_a_ppid_loop() -> None:
    class Row:
        def __init__(self, pid: int, ppid: int) -> None:
            self.pid, self.ppid = pid, ppid

    rows = {"2": Row(2, 3), "3": Row(3, 2), "4": Row(4, 0)}
    keys, prefix = tree_order(rows, lambda r: r.pid)
    assert sorted(keys) == ["2", "3", "4"] and set(prefix) == {"2", "3", "4"}


async def test_search_moves_the_cursor_to_matches_and_says_when_none() -> None:
    app = PaneHarness(ProcessesPane)
    async with app.run_test(size=(120, 30)) as pilot:
        feed, pane = Feeder(app), app.pane
        assert isinstance(pane, ProcessesPane)
        cmds = {"10": {"cmd": "/usr/sbin/snmpd -f"}, "11": {"cmd": "bash"}, "12": {"cmd": "/usr/sbin/snmpd -x"},
                "13": {"cmd": "sleep 5"}}
        feed.tick({10: 0, 11: 0, 12: 0, 13: 0}, **cmds)
        await pilot.press("N")  # by pid: 10 11 12 13
        pane.table.focus()
        await pilot.press("slash", *"snm")
        assert pane.table.cursor_key == "10"  # as typed, the first match
        await pilot.press("enter", "n")
        assert pane.table.cursor_key == "12"
        await pilot.press("n")
        assert pane.table.cursor_key == "10"  # wraps
        await pilot.press("slash", *"zz")
        await pilot.pause()
        assert pane.search_missed and "(no match)" in str(pane.status.render())
        assert pane.table.cursor_key == "10"  # no match: the cursor stays
        await pilot.press("escape")
        assert not pane.search_text


async def test_follow_keeps_the_cursor_on_the_pid_and_says_when_it_exits() -> None:
    app = PaneHarness(ProcessesPane)
    async with app.run_test(size=(120, 12)) as pilot:
        feed, pane = Feeder(app), app.pane
        assert isinstance(pane, ProcessesPane)
        pids = list(range(100, 130))
        feed.tick(dict.fromkeys(pids, 0.0))
        feed.tick({p: 0.01 * (p - 100) for p in pids})
        await pilot.pause()
        pane.table.focus()
        await pilot.press("down")
        followed = pane.table.cursor_key
        assert followed == "128"
        await pilot.press("F")
        assert pane.follow_target == (128, 1280)
        feed.tick({p: 0.01 * (130 - p) for p in pids})  # 128 falls to near the bottom, off the first screen
        await pilot.pause()
        assert pane.table.cursor_key == "128" and order(pane).index(128) > 20
        top = int(pane.table.scroll_y)
        assert top <= pane.table.cursor_row < top + pane.table.size.height  # scrolled into view
        assert "following 128" in str(pane.status.render())
        await pilot.press("N")  # a sort chosen while following: the cursor stays on it
        await pilot.pause()
        assert pane.table.cursor_key == "128" and pane.follow_target == (128, 1280)
        # The pid comes back as another process (a new start time): not followed.
        feed.tick({p: 0.0 for p in pids}, **{"128": {"start": 99999}})
        await pilot.pause()
        assert pane.follow_target is None


async def test_io_rates_unknown_is_not_zero_and_qemu_shows_its_guest() -> None:
    app = PaneHarness(ProcessesPane)
    async with app.run_test(size=(140, 20)) as pilot:
        feed, pane = Feeder(app), app.pane
        assert isinstance(pane, ProcessesPane)
        qemu = "/usr/bin/qemu-system-x86_64 -name guest=web01,debug-threads=on -S"
        extra: dict[str, Any] = {"10": {"io": (1000, 0)}, "11": {"io": (None, None)},
                                 "12": {"cmd": qemu, "domain": "web01", "io": (0, 0)}}
        feed.tick({10: 0, 11: 0, 12: 0}, **extra)
        extra["10"] = {"io": (1000 + 4096, 2048)}
        feed.tick({10: 0, 11: 0, 12: 0}, **extra)
        await pilot.pause()
        assert cell(pane.table, "10", "read") == "4.0K" and cell(pane.table, "10", "write") == "2.0K"
        assert cell(pane.table, "11", "read") == "n/a" and cell(pane.table, "12", "read") == "0"
        assert cell(pane.table, "12", "command").startswith("vm:web01 /usr/bin/qemu")
        assert not any(c.hidden for c in pane.table.columns)
        await pilot.resize_terminal(80, 25)
        await pilot.pause()
        hidden = {c.key for c in pane.table.columns if c.hidden}
        assert hidden == {"read", "write"}
        header = "".join(seg.text for seg in pane.table.render_line(0))
        assert "RD/s" not in header and "COMMAND" in header


async def test_a_reused_pid_row_is_sorted_with_its_new_values() -> None:
    """A pid reused between ticks starts over (no CPU% from the old process's counters)."""
    app = PaneHarness(ProcessesPane)
    async with app.run_test(size=(120, 20)) as pilot:
        feed, pane = Feeder(app), app.pane
        assert isinstance(pane, ProcessesPane)
        feed.tick({10: 0.0, 11: 0.0})
        feed.tick({10: 0.5, 11: 0.1})
        feed.tick({10: 0.5, 11: 0.1}, **{"10": {"start": 7}})
        await pilot.pause()
        assert cell(pane.table, "10", "cpu") == "n/a" and order(pane) == [11, 10]
        assert isinstance(pane.table, SyncedTable)
        assert replace(proc(1, 0.0), pid=2).pid == 2
