"""libvirtd's log: the line parser, where the log is (libvirtd.conf), and the bounded tail over real files."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgetop.collectors import libvirtd_log as mod
from edgetop.collectors.libvirtd_log import LibvirtdLog, log_path, parse_line
from edgetop.config_schema import Config
from edgetop.errors import SourceUnavailable
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.sources.tail import FileTail
from tests.helpers import REPO

# Lines as libvirtd 6.x-9.x writes them (the first from zhangjianweibj/prometheus-libvirt-exporter#18).
EOF_LINE = ("2020-01-24 14:42:15.219+0000: 5688: error : virNetSocketReadWire:1806 : "
            "End of file while reading data: Input/output error")
MONITOR = ("2026-12-05 09:20:13.002+0100: 1547: error : qemuMonitorOpenUnix:370 : "
           "monitor socket did not show up: No such file or directory")


def test_error_lines_become_events_in_utc() -> None:
    event = parse_line(EOF_LINE)
    assert event is not None
    assert (event.kind, event.subject, event.severity) == ("libvirtd", "virNetSocketReadWire", "warning")
    assert event.message == "End of file while reading data: Input/output error"
    assert event.time == pytest.approx(1579876935.219)
    monitor = parse_line(MONITOR)
    assert monitor is not None and monitor.severity == "critical"
    # +0100: an hour ahead of UTC, so 08:20:13 UTC.
    assert monitor.time == pytest.approx(datetime(2026, 12, 5, 8, 20, 13, 2000, tzinfo=UTC).timestamp())


@pytest.mark.parametrize("line", [
    "", "garbage", "2020-01-24 14:42:15.219+0000: 5688: info : virNetServerNew:123 : started",
    "2020-01-24 14:42:15.219+0000: 5688: warning : qemuDomainObjTaint:6312 : tainted",
    "2020-13-45 99:42:15.219+0000: 5688: error : f:1 : a bad date",
])
def test_other_levels_and_malformed_lines_are_not_events(line: str) -> None:
    assert parse_line(line) is None


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_the_parser_never_raises(line: str) -> None:
    event = parse_line(line)
    assert event is None or event.message.isprintable()


@pytest.mark.parametrize(("conf", "expected"), [
    (None, "/var/log/libvirt/libvirtd.log"),
    ('# log_outputs="1:file:/tmp/x"\n', "/var/log/libvirt/libvirtd.log"),
    ('log_outputs="3:syslog:libvirtd 1:file:/srv/log/lv.log"\n', "/srv/log/lv.log"),
    ('log_outputs="1:journald"\n', "/var/log/libvirt/libvirtd.log"),
])
def test_the_log_path_comes_from_log_outputs(conf: str | None, expected: str) -> None:
    assert log_path(conf) == expected


def _root(tmp_path: Path, conf: str | None = None) -> Path:
    (tmp_path / "var/log/libvirt").mkdir(parents=True)
    if conf is not None:
        (tmp_path / "etc/libvirt").mkdir(parents=True)
        (tmp_path / "etc/libvirt/libvirtd.conf").write_text(conf)
    return tmp_path


def test_the_collector_tails_the_configured_log(tmp_path: Path) -> None:
    root = _root(tmp_path, 'log_outputs="1:file:/var/log/libvirt/custom.log"\n')
    log = root / "var/log/libvirt/custom.log"
    log.write_text(EOF_LINE + "\n")
    follow = LibvirtdLog(root, wall=lambda: 1579876935.219 + 60)
    assert [e.subject for e in follow().events] == ["virNetSocketReadWire"]
    with log.open("a") as f:
        f.write(EOF_LINE.replace("14:42:15", "14:42:45") + "\n")
    view = follow()
    assert len(view.events) == 2 and view.records_read == 2  # the first line was not read twice
    assert view.source.endswith("custom.log")


def test_a_recording_is_replayed_ending_now(tmp_path: Path) -> None:
    root = _root(tmp_path)
    (root / "var/log/libvirt/libvirtd.log").write_text(
        f"{EOF_LINE}\n2020-01-24 14:52:15.219+0000: 5688: info : x:1 : the last line\n")
    view = LibvirtdLog(root, wall=lambda: 2_000_000_000.0, replay=True)()
    assert view.events[0].time == pytest.approx(2_000_000_000.0 - 600)


def test_missing_log_and_fifo_are_unavailable_with_the_reason(tmp_path: Path) -> None:
    root = _root(tmp_path)
    ctx = Context(Config(), ProcFS(tmp_path), SysFS(tmp_path), host_root=root)
    (spec,) = mod.specs(ctx)
    with pytest.raises(SourceUnavailable, match=r"libvirtd\.log does not exist: libvirtd writes no log file here"):
        spec.build(ctx)()
    os.mkfifo(root / "var/log/libvirt/libvirtd.log")
    with pytest.raises(SourceUnavailable, match="refused: not a regular file"):
        spec.build(ctx)()


def test_the_tail_starts_near_the_end_follows_rotation_and_skips_a_flood(tmp_path: Path) -> None:
    path = tmp_path / "log"
    path.write_text("".join(f"line {n}\n" for n in range(1000)))  # 8,890 bytes
    tail = FileTail(path, first_bytes=100, max_read_bytes=200)
    first = tail.read_new()
    assert first[-1] == "line 999" and len(first) < 15 and all(line.startswith("line ") for line in first)
    assert tail.read_new() == []
    with path.open("a") as f:
        f.write("new 1\nnew 2\npartial")
    assert tail.read_new() == ["new 1", "new 2"]
    with path.open("a") as f:
        f.write(" end\n")
    assert tail.read_new() == ["partial end"]
    path.rename(tmp_path / "log.1")  # rotated: a new file is read from its start
    path.write_text("fresh 1\n")
    assert tail.read_new() == ["fresh 1"]
    with path.open("a") as f:
        f.write("".join(f"flood {n}\n" for n in range(100)))
    flood = tail.read_new()
    assert flood[-1] == "flood 99" and len(flood) < 30 and tail.skipped_bytes > 0


def test_an_unreadable_log_says_permission_denied(tmp_path: Path) -> None:
    # Root ignores file modes: drop the override capabilities for the reading process (FIELD-NOTES).
    root = _root(tmp_path)
    log = root / "var/log/libvirt/libvirtd.log"
    log.write_text(EOF_LINE + "\n")
    log.chmod(0)
    code = ("import sys\nfrom pathlib import Path\nfrom edgetop.collectors.libvirtd_log import LibvirtdLog\n"
            "from edgetop.errors import SourceUnavailable\n"
            "try:\n    LibvirtdLog(Path(sys.argv[1]))()\nexcept SourceUnavailable as e:\n    print(e)\n")
    done = subprocess.run(["setpriv", "--bounding-set=-dac_override,-dac_read_search", sys.executable, "-c", code,
                           str(root)], capture_output=True, text=True, timeout=60, cwd=REPO,
                          env=os.environ | {"PYTHONPATH": str(REPO)}, check=False)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.strip() == f"permission denied reading {log}"
