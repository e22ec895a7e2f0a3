"""Text from the outside world that tries to reorder, hide or overflow what the terminal shows."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
from rich.cells import get_character_cell_size
from rich.text import Text
from textual.widgets import Static

from edgetop.config_schema import Config
from edgetop.engine.store import Store
from edgetop.model.reading import Reading, Status
from edgetop.model.spec import CollectorSpec, Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.ui.app import EdgetopApp
from edgetop.ui.safe_output import UNSAFE, clean
from edgetop.ui.screens.sources import DETAIL_LINES, SourcesScreen
from edgetop.ui.widgets.synced_table import SyncedTable

REPO = Path(__file__).resolve().parent.parent.parent
BIDI = ["\u061c", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
        "\u2066", "\u2067", "\u2068", "\u2069"]
# "vm-" RLO "gnp.exe" reads "vm-exe.png" where bidi is applied; an isolate and an override left open.
SPOOF = "vm-\u202egnp.exe"
HIDDEN = "sw\u200bitch\u2060-1\ufeff\U000e0041\U000e0042\u2066x\u2028y\u202d"
PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "mi-khaham": the ZWNJ is part of the spelling
DEVANAGARI = "\u0915\u094d\u200d\u0937"  # ka, virama, ZWJ, ssa: the ZWJ asks for the half form


@pytest.mark.parametrize(("text", "expected"), [
    (SPOOF, "vm-gnp.exe"),
    ("".join(f"a{c}" for c in BIDI) + "b", "a" * len(BIDI) + "b"),
    (HIDDEN, "switch-1xy"),
    ("eth\u200d0", "eth0"),  # a joiner between ASCII only makes a name differ invisibly
    ("\u200cvm\u200d", "vm"),
    ("\U0001f468\u200d\U0001f469", "\U0001f468\U0001f469"),  # emoji: Rich reserved 2 + 2 cells
    (PERSIAN, PERSIAN),
    (DEVANAGARI, DEVANAGARI),
    ("plain-name \u00e9\u0301", "plain-name \u00e9\u0301"),  # combining marks are not format characters
])
def test_clean(text: str, expected: str) -> None:
    assert clean(text) == expected


def _format_characters() -> list[str]:
    return [chr(c) for c in range(sys.maxunicode + 1)
            if unicodedata.category(chr(c)) in ("Cf", "Zl", "Zp")]


def test_every_zero_width_format_character_goes_and_nothing_with_a_width() -> None:
    """Against this Python's Unicode tables: no format character Rich draws zero-wide is missed.

    The ones Rich draws one cell wide (the soft hyphen, the Arabic number signs) are visible
    and stay: removing them would shift the columns after them.
    """
    for char in _format_characters():
        width = get_character_cell_size(char)
        if char in "\u200c\u200d":
            continue
        if width == 0:
            assert clean(f"a{char}b") == "ab", f"U+{ord(char):04X} {unicodedata.name(char, '?')} is kept"
        else:
            assert clean(f"a{char}b") == f"a{char}b", f"U+{ord(char):04X} has a width and is removed"
    removed = [chr(c) for c in range(0xA0, sys.maxunicode + 1) if UNSAFE.match(chr(c))]
    assert removed and all(get_character_cell_size(c) == 0 for c in removed)  # the layout does not move


async def test_the_app_never_paints_bidi_or_invisible_characters() -> None:
    ctx = Context(Config(), ProcFS(), SysFS())
    app = EdgetopApp(ctx, [], start_engine=False, store=Store(Config()))
    async with app.run_test(size=(100, 30)) as pilot:
        table = SyncedTable([("name", "Name"), ("what", "What")], id="evil-table")
        await app.screen.mount(Static(Text(f"static {SPOOF} {HIDDEN} {PERSIAN}"), id="evil-static"), table)
        table.sync({"x": (f"cell {SPOOF}", HIDDEN), "y": (PERSIAN, "eth\u200d0")})
        await pilot.pause()
        written = app.screen._compositor.render_update(full=True).render_segments(app.console)
    assert "static vm-gnp.exe switch-1xy" in written and "cell vm-gnp.exe" in written
    assert "eth0" in written
    assert written.count(PERSIAN) == 2  # the word keeps its non-joiner, in the Static and in the table
    leaked = {f"U+{ord(c):04X}" for c in written if c >= "\xa0" and UNSAFE.match(c)}
    assert leaked == {"U+200C"} and written.count("\u200c") == 2  # the Persian word's, nothing else


# An SNMP error as the collector words it, as long as they get (about 230 characters).
LONG_REASON = ("no answer from core-switch-01.example.net:161 within 5 s after 3 retries (authPriv, user "
               "monitor, SHA-256/AES-128): the host is down or filtered, or the privacy key is wrong; an "
               "authNoPriv probe got no answer either")


def _sources_store() -> Store:
    store = Store(Config())
    for name, lane, status, reason in [
        ("probe-ok", "local", Status.OK, None),
        ("probe-virt", "libvirt", Status.UNAVAILABLE, "libvirt: cannot connect to qemu:///system"),
        ("snmp:probe", "snmp", Status.FAILED, LONG_REASON),
    ]:
        spec = CollectorSpec(name=name, lane=lane, json_key=name, pane="overview", build=lambda ctx: lambda: None)
        store.update(spec, Reading(name, status, 1 if status is Status.OK else None, reason, 0.001, time.time(),
                                   time.monotonic()))
    return store


def _dialog(lines: list[str]) -> tuple[list[str], int, int]:
    """The lines between the dialog's top and bottom border, and the border's two columns."""
    top = next(i for i, line in enumerate(lines) if "╭" in line)
    bottom = next(i for i, line in enumerate(lines) if "╰" in line)
    left, right = lines[top].index("╭"), lines[top].index("╮")
    assert lines[bottom].index("╰") == left and lines[bottom].index("╯") == right
    return lines[top + 1:bottom], left, right


async def test_a_long_reason_stays_inside_the_sources_dialog_at_80x25() -> None:
    store = _sources_store()
    app = EdgetopApp(Context(Config(), ProcFS(), SysFS()), [], start_engine=False, store=store)
    async with app.run_test(size=(80, 25)) as pilot:
        screen = SourcesScreen(store)
        app.push_screen(screen)
        await pilot.pause()
        table = screen.query_one("#sources-table", SyncedTable)
        await pilot.press("down", "down")
        await pilot.pause()
        assert table.cursor_key == "snmp:probe"
        screen.fill()  # the 1 s refresh: the cursor stays on its collector
        await pilot.pause()
        assert table.cursor_key == "snmp:probe"
        assert table.virtual_size.width <= table.scrollable_content_region.width  # nothing to scroll sideways
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
    body, left, right = _dialog(lines)
    for line in body:  # every line of the dialog ends at its border
        assert line[left] == "│" and line[right] == "│", line
    inside = [line[left + 1:right].strip() for line in body]
    row = next(line for line in inside if line.startswith("snmp:probe "))
    cell = row.split("n/a", 1)[1].strip()
    assert cell.endswith("…") and LONG_REASON.startswith(cell[:-1]) and len(cell) > 12  # cut, and says so
    detail = " ".join(line for line in inside if line and not line.startswith(("Sources:", "Collector", "probe-",
                                                                                  "snmp:probe ")))
    assert detail == f"snmp:probe: {LONG_REASON}"  # in full, wrapped below the table


async def test_a_reason_longer_than_the_space_below_the_table_ends_with_an_ellipsis() -> None:
    store = _sources_store()
    spec = CollectorSpec(name="snmp:probe", lane="snmp", json_key="x", pane="overview", build=lambda ctx: lambda: None)
    store.update(spec, Reading("snmp:probe", Status.FAILED, None, LONG_REASON * 3, 0.001, time.time(),
                               time.monotonic()))
    app = EdgetopApp(Context(Config(), ProcFS(), SysFS()), [], start_engine=False, store=store)
    async with app.run_test(size=(80, 25)) as pilot:
        screen = SourcesScreen(store)
        app.push_screen(screen)
        await pilot.pause()
        await pilot.press("end")
        await pilot.pause()
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
    body, left, right = _dialog(lines)
    assert all(line[left] == "│" and line[right] == "│" for line in body)
    detail = [line[left + 1:right].strip() for line in body[-DETAIL_LINES:]]
    assert detail[0].startswith("snmp:probe: no answer") and detail[-1].endswith("…")


def _edgetop(tmp_path: Path, *args: str, env: dict[str, str] | None = None,
             read_only_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``edgetop ARGS``; with ``read_only_dir``, that directory cannot be written, even by root.

    Root writes through permission bits, so as root the directory is a read-only tmpfs
    mounted in a private mount namespace of the child (``unshare --mount``): the host's
    mounts never see it.
    """
    base = {k: v for k, v in os.environ.items() if k != "EDGETOP_CONFIG"}
    full_env = base | {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
                       "XDG_STATE_HOME": str(tmp_path / "state"), "TMPDIR": str(tmp_path / "tmp"),
                       "PYTHONPATH": str(REPO)} | (env or {})
    (tmp_path / "tmp").mkdir(exist_ok=True)
    command = [sys.executable, "-m", "edgetop", *args]
    if read_only_dir is not None:
        read_only_dir.mkdir()
        if os.geteuid() == 0:
            script = 'mount -t tmpfs -o ro,size=64k edgetop-ro "$0" && exec "$@"'
            command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, str(read_only_dir),
                       *command]
        else:
            read_only_dir.chmod(0o555)
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=60, env=full_env, cwd=tmp_path,
                              check=False)
    finally:
        if read_only_dir is not None:
            read_only_dir.chmod(0o755)


def _fallback_of(stderr: str, bad: Path, reason: str) -> Path:
    prefix = f"edgetop: warning: cannot write the log file {bad}: {reason}; logging to "
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(prefix) and lines[0].endswith(" instead"), stderr
    return Path(lines[0][len(prefix):-len(" instead")])


def test_a_log_file_that_is_a_directory_is_said_and_the_state_file_used(tmp_path: Path) -> None:
    result = _edgetop(tmp_path, "check-config", "--log-file", str(tmp_path))
    assert result.returncode == 0
    assert _fallback_of(result.stderr, tmp_path, "Is a directory") == tmp_path / "state" / "edgetop" / "edgetop.log"
    assert (tmp_path / "state" / "edgetop").stat().st_mode & 0o777 == 0o700


def test_an_unwritable_log_directory_falls_back_to_a_private_new_directory(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    # The state directory is in the locked one too: only the private temporary directory is left.
    result = _edgetop(tmp_path, "check-config", "--log-file", str(locked / "logs" / "edgetop.log"),
                      env={"XDG_STATE_HOME": str(locked / "state")}, read_only_dir=locked)
    assert result.returncode == 0, result.stderr
    reason = "Read-only file system" if os.geteuid() == 0 else "Permission denied"
    fallback = _fallback_of(result.stderr, locked / "logs" / "edgetop.log", reason)
    assert fallback.parent.parent == tmp_path / "tmp" and fallback.name == "edgetop.log"
    assert fallback.parent.name.startswith("edgetop-") and fallback.parent.name != "edgetop-"  # mkdtemp's
    assert fallback.parent.stat().st_mode & 0o777 == 0o700 and fallback.parent.stat().st_uid == os.geteuid()
    assert fallback.is_file()
    assert not list((tmp_path / "tmp").glob("edgetop-*.log"))  # no predictable name beside it
