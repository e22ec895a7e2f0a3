"""The one process runner: argv only, C locale, deadline, size cap, the whole group killed, clear kinds."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from edgetop.errors import SourceUnavailable
from edgetop.sources.process import (
    HOST_COMMANDS,
    CommandTimeout,
    OutputTooLarge,
    ToolMissing,
    first_line,
    run_command,
)
from tests.helpers import process_ended


def test_output_exit_status_and_stderr_are_kept_apart() -> None:
    done = run_command(["sh", "-c", "echo out; echo err >&2; exit 3"], 5)
    assert (done.returncode, done.stdout, done.stderr) == (3, "out\n", "err\n")
    assert done.argv == ("sh", "-c", "echo out; echo err >&2; exit 3")


def test_arguments_are_never_read_by_a_shell(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    done = run_command(["echo", f"x; touch {marker}", "$(id)"], 5)
    assert done.stdout == f"x; touch {marker} $(id)\n"
    assert not marker.exists()


def test_c_locale_and_no_stdin() -> None:
    done = run_command(["sh", "-c", 'echo "$LC_ALL $LANG"; cat'], 5)  # cat would block on a terminal
    assert done.stdout == "C C\n"


def test_missing_tool_is_an_unavailable_source() -> None:
    with pytest.raises(ToolMissing, match=r"^no-such-tool-edgetop not installed$") as info:
        run_command(["no-such-tool-edgetop", "x"], 5)
    assert isinstance(info.value, SourceUnavailable) and info.value.kind == "missing"
    assert not HOST_COMMANDS.installed("no-such-tool-edgetop") and HOST_COMMANDS.installed("sh")


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    # The child keeps the output pipe open after the shell is gone: only a group kill ends it.
    script = f"sleep 60 & echo $! > {pid_file}; wait"
    t0 = time.monotonic()
    with pytest.raises(CommandTimeout, match=r"^sh did not finish within 0\.5 s and was killed$") as info:
        run_command(["sh", "-c", script], 0.5)
    assert time.monotonic() - t0 < 5
    assert info.value.kind == "timeout"
    assert process_ended(int(pid_file.read_text())), "the timed-out command's child survived"


def test_endless_output_is_cut_at_the_cap() -> None:
    t0 = time.monotonic()
    with pytest.raises(OutputTooLarge, match="printed more than 64 KiB") as info:
        run_command(["cat", "/dev/zero"], 10, max_output_bytes=64 * 1024)
    assert info.value.kind == "too_large" and time.monotonic() - t0 < 5


def test_output_just_under_the_cap_is_whole() -> None:
    done = run_command(["head", "-c", "65536", "/dev/zero"], 10, max_output_bytes=64 * 1024)
    assert len(done.stdout) == 65536


def test_invalid_utf8_is_replaced_not_raised() -> None:
    done = run_command(["printf", "a\\377b"], 5)
    assert done.stdout == "a\ufffdb"


def test_first_line() -> None:
    assert first_line("\n\n  506 Cannot talk to daemon \nmore") == "506 Cannot talk to daemon"
    assert first_line("") == ""
    assert len(first_line("x" * 500)) == 200
