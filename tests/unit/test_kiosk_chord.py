"""Kiosk exit chords: refused at config time when a terminal cannot send them, bound as Textual receives them."""

from __future__ import annotations

import pytest
from textual import events
from textual._xterm_parser import XTermParser

from edgetop.config import parse_config
from edgetop.config_schema import chord_keys
from edgetop.errors import ConfigError


def _config(chord: str) -> str:
    return f"interval: 1\nkiosk_options:\n  cycle_seconds: 5\n  exit_chord: \"{chord}\"\n"


@pytest.mark.parametrize(("chord", "keys"), [
    ("ctrl+alt+x", ("alt+ctrl+x", "ctrl+x")),
    ("Alt+Ctrl+Q", ("alt+ctrl+q", "ctrl+q")),
    ("control+x", ("ctrl+x",)),
    ("alt+x", ("alt+x",)),
    ("meta+k", ("alt+k",)),
    ("alt+shift+x", ("alt+shift+x",)),
    ("shift+x", ("shift+x", "X")),
    ("f10", ("f10",)),
    ("x", ("x",)),
])
def test_chords_a_terminal_sends(chord: str, keys: tuple[str, ...]) -> None:
    assert chord_keys(chord) == keys
    assert parse_config(_config(chord)).kiosk_options.exit_chord == chord


@pytest.mark.parametrize(("chord", "why"), [
    ("ctrl+shift+x", "exactly as ctrl\\+x"),
    ("ctrl+alt+shift+x", "exactly as ctrl\\+x"),
    ("super+x", "'super' is not a modifier"),
    ("hyper+ctrl+x", "'hyper' is not a modifier"),
    ("ctrl+f5", "no modified function keys"),
    ("ctrl+1", "modified digits"),
    ("alt+2", "modified digits"),
    ("ctrl+m", "as enter"),
    ("ctrl+alt+i", "as tab"),
    ("ctrl+h", "as backspace"),
    ("ctrl+alt", "letter, a digit or f1-f12"),
    ("ctrl+", "letter, a digit or f1-f12"),
    ("ctrl+escape", "letter, a digit or f1-f12"),
    ("ctrl+é", "letter, a digit or f1-f12"),
])
def test_chords_a_terminal_cannot_send_are_refused_with_file_line_key(chord: str, why: str) -> None:
    with pytest.raises(ConfigError, match=rf"^k.yaml:4: kiosk_options.exit_chord: .*{why}"):
        parse_config(_config(chord), "k.yaml")


def _received(data: str) -> list[str]:
    """The keys Textual's own input parser makes of ``data`` (bytes as a terminal sends them)."""
    parser = XTermParser()
    got = [e.key for e in parser.feed(data) if isinstance(e, events.Key)]
    # End of input settles a pending ESC as the terminal's "alt" prefix, as the ESC delay would.
    got += [e.key for e in parser.feed("") if isinstance(e, events.Key)]
    return got


CSI_U_MODS = {"shift": 1, "alt": 2, "ctrl": 4}


@pytest.mark.parametrize(("chord", "legacy"), [
    ("ctrl+alt+x", "\x1b\x18"),  # what xterm, the Linux console and tmux send-keys C-M-x send
    ("ctrl+x", "\x18"),
    ("alt+x", "\x1bx"),
    ("alt+shift+x", "\x1bX"),
    ("shift+x", "X"),
    ("f10", "\x1b[21~"),
])
def test_what_the_terminal_sends_is_a_key_the_chord_binds(chord: str, legacy: str) -> None:
    """Checked against Textual's parser, both for plain bytes and for the kitty protocol's CSI-u form."""
    keys = chord_keys(chord)
    assert _received(legacy) and set(_received(legacy)) <= set(keys)
    *mods, key = chord.split("+")
    if len(key) == 1 and mods:
        csi_u = f"\x1b[{ord(key)};{1 + sum(CSI_U_MODS[m] for m in mods)}u"
        assert _received(csi_u) == [keys[0]]
