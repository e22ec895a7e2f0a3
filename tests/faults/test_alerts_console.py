"""The Alerts pane and the kiosk on the Linux console at 80x25, as a technician meets them.

edgetop --demo runs in a private tmux server with ``TERM=linux``; the screen is read back
as text. On the overview only as many alerts fit as there are lines; every critical one must
still be reachable (``!`` and the cursor), and the kiosk must show its status word and keep
cycling while alerts stand.
"""

from __future__ import annotations

import re
from pathlib import Path

from edgetop.ui.widgets.kiosk_banner import big_word
from tests.faults.run import Tmux, edgetop, tui

# The demo's faults that are critical whatever its moving numbers do (README, demo/libvirt).
FIXED_CRITICAL = ("snmp:pdu-b/pdu-b", "domains/scada-hmi", "services/snmpd")


def _rows(screen: str) -> list[str]:
    return [line for line in screen.splitlines() if re.match(r" (CRIT|WARN) ", line)]


def _scroll_all(t: Tmux, total: int) -> set[str]:
    """Move the cursor over every row; every row seen on the way (its WHAT column)."""
    seen: set[str] = set()
    screen = t.screen()
    for _ in range(total + 2):
        for line in _rows(screen):
            what = re.search(r"\s(\S+/[^:]*?): ", line)
            if what is not None:
                seen.add(what[1] + ("!" if line.startswith(" CRIT") else ""))
        before = screen.split("─" * 20, 1)[-1]  # the detail under the table names the highlighted alert
        t.keys("Down")
        try:
            screen = t.wait_for(lambda s, b=before: s.split("─" * 20, 1)[-1] != b, timeout=5,
                                what="the cursor moving to the next alert")
        except AssertionError:
            break  # the last row: the detail no longer changes
    return seen


def test_every_critical_alert_of_the_demo_is_reachable_on_the_console(tmp_path: Path) -> None:
    with tui(tmp_path, "--demo", width=80, height=25, term="linux") as t:
        overview = t.wait_for(lambda s: "Alerts (" in s and "more: ! opens the Alerts pane" in s,
                              what="the overview with more alerts than lines")
        assert "CRITICAL" in overview
        t.keys("!")
        screen = t.wait_for(lambda s: re.search(r"\d+ critical, \d+ warning", s) is not None and "SEV" in s,
                            what="the Alerts pane")
        count = re.search(r"(\d+) critical, (\d+) warning", screen)
        assert count is not None
        critical, total = int(count[1]), int(count[1]) + int(count[2])
        assert total > len(_rows(screen)), "the demo has more alerts than an 80x25 screen shows"
        seen = _scroll_all(t, total)
        for what in FIXED_CRITICAL:
            assert f"{what}!" in seen, f"{what} (critical) never reached:\n{sorted(seen)}"
        # The hardware warnings the overview cut off (issue 14) are reachable too.
        assert "sensors/nct6775.656/fan2" in seen and "sensors/coretemp.0/Core 1" in seen
        assert sum(1 for w in seen if w.endswith("!")) >= min(critical, 3)


def test_the_kiosk_shows_its_status_word_cycles_with_alerts_standing_and_pauses_on_a_key(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.yaml"
    config.write_text("kiosk_options: {cycle_seconds: 1}\n")
    with tui(tmp_path, "--kiosk", "--demo", "--config", str(config), width=80, height=25, term="linux") as t:
        word = [line.plain.rstrip() for line in big_word("CRITICAL", 80)]
        # The big word under the header, and the status line under it (a frame may be caught
        # half drawn: wait for the whole of it).
        t.wait_for(lambda s: [line.rstrip() for line in s.splitlines()[2:7]] == word
                   and s.splitlines()[7].startswith(" CRITICAL "), what="the big CRITICAL under the header")
        # Alerts stand (the demo has critical ones), and yet the panes cycle: CPU, then Memory ...
        t.wait_for(lambda s: "Total" in s and "busy" in s, timeout=15, what="the kiosk cycling to CPU")
        t.wait_for(lambda s: "Swap" in s, timeout=15, what="the kiosk cycling on to Memory")
        t.keys("5")  # someone walks up and looks at the domains
        paused = t.wait_for(lambda s: "PAUSED" in s, timeout=5, what="the pause notice")
        assert "cycle again in" in paused
        domains = t.wait_for(lambda s: "scada-hmi" in s, timeout=5, what="the Domains pane after key 5")
        # The kiosk's own countdown is the clock: at 116 s left, 4 cycles of 1 s have passed.
        later = t.wait_for(lambda s: re.search(r"cycle again in 11[0-6] s", s) is not None, timeout=15,
                           what="the countdown running")
        assert "scada-hmi" in later and "1 Ove" in later, f"the kiosk cycled away while paused:\n{domains}"


def test_the_snapshot_carries_guest_alerts_with_since_and_acked(tmp_path: Path) -> None:
    import json

    done = edgetop(tmp_path, "--demo", "snapshot", "--interval", "0.2")
    assert done.returncode == 0, done.stderr
    alerts = json.loads(done.stdout)["alerts"]
    hmi = next(a for a in alerts if a["subject"] == "scada-hmi")
    assert hmi["severity"] == "critical" and hmi["impact"] == "guests" and "vda is full" in hmi["message"]
    assert hmi["acked"] is False and hmi["since"] > 0 and hmi["duration_seconds"] >= 0
