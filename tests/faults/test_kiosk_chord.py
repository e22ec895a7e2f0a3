"""The kiosk's exit chord, pressed in a real terminal: tmux sends ctrl+alt+x as ESC ^X, like xterm does."""

from __future__ import annotations

import time
from pathlib import Path

from tests.faults.run import QUIET, Tmux, tui


def _gone(t: Tmux, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not t.alive():
            return True
        time.sleep(0.05)
    return False


def test_ctrl_alt_x_leaves_the_kiosk_and_other_keys_do_not(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.yaml"
    config.write_text(QUIET + 'kiosk_options: {cycle_seconds: 60, exit_chord: "ctrl+alt+x"}\n')
    with tui(tmp_path, "--kiosk", "--demo", "--config", str(config), width=80, height=25) as t:
        t.wait_for(lambda s: "1 Ove" in s, what="the kiosk's first frame")
        # Keys that quit elsewhere, the palette, alt+x, and escape alone: none of them may leave.
        t.keys("q", "Q", "Escape", "C-c", "C-q", "C-p", "M-x", "C-M-y")
        # Draining what was sent: a screen captured after a later key proves the earlier ones were read.
        t.keys("2")
        t.wait_for(lambda s: "Total" in s and "busy" in s, what="the CPU pane after key 2")
        assert not _gone(t, 1.0), "a key other than the chord left the kiosk"
        t.keys("C-M-x")
        assert _gone(t, 10.0), f"ctrl+alt+x did not leave the kiosk:\n{t.screen()}"
