"""Table-driven tests of every foundation parse_* function, and Hypothesis on those fed by the kernel.

Each parser gets: empty input, short input, malformed input and valid input with exact values.
Property tests check the one promise a parser makes about foreign text: it returns or raises
ParseError, nothing else (no ValueError, IndexError, hang or huge allocation).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgetop.collectors.host import parse_loadavg, parse_uptime
from edgetop.collectors.meminfo import parse_meminfo, parse_vmstat
from edgetop.collectors.pressure import parse_pressure
from edgetop.collectors.proc_pid import PF_KTHREAD, parse_pid_stat, parse_pid_status
from edgetop.collectors.proc_stat import parse_proc_stat
from edgetop.errors import ParseError
from edgetop.export.prometheus import parse_listen
from edgetop.hostport import split_host_port
from edgetop.model.cpulist import parse_cpu_list
from edgetop.theming import parse_theme

# A real line from a 6.1 kernel (52 fields), comm with a space.
PID_STAT = (
    "812 (qemu system) S 1 812 812 0 -1 4194560 1200 0 3 0 90000 30000 0 0 20 0 9 0 4200 123456789 "
    "2097152 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 4 0 0 0 0 0 0 0 0 0 0 0 0 0"
)
PROC_STAT = """cpu  300 20 100 1000 10 1 2 7 30 4
cpu0 150 10 50 500 5 1 1 3 15 2
cpu1 150 10 50 500 5 0 1 4 15 2
intr 1 2 3
ctxt 4242
btime 1700000000
procs_running 3
procs_blocked 1
"""
PSI = "some avg10=1.50 avg60=2.25 avg300=3.00 total=123456789\nfull avg10=0.10 avg60=0.00 avg300=0.00 total=5\n"

# (parser, input, expected) rows; expected is a value, a callable check, or an exception type.
Row = tuple[Callable[[str], Any], str, Any]

ROWS: list[Row] = [
    # loadavg
    (parse_loadavg, "", ParseError),
    (parse_loadavg, "0.20 0.18", ParseError),
    (parse_loadavg, "0.20 0.18 0.12 1-80 11206", ParseError),
    (parse_loadavg, "a b c 1/80 1", ParseError),
    (parse_loadavg, "0.20 0.18 0.12 1/ 11206", ParseError),
    (parse_loadavg, "0.20 0.18 0.12 1/80 11206\n", (0.20, 0.18, 0.12, 1, 80)),
    # uptime
    (parse_uptime, "", ParseError),
    (parse_uptime, "up 12", ParseError),
    (parse_uptime, "894.73 1547.91\n", 894.73),
    (parse_uptime, "5", 5.0),
    # proc stat
    (parse_proc_stat, "", ParseError),
    (parse_proc_stat, "cpu  1 2 3\n", ParseError),
    (parse_proc_stat, "cpu  1 2 x 4\n", ParseError),
    (parse_proc_stat, "cpu0 1 2 3 4\n", ParseError),  # no aggregate line
    (parse_proc_stat, "cpu  1 2 3 4\nctxt \u00b2\n", lambda s: s.context_switches_total is None),
    (parse_proc_stat, "cpu  100 0 100 800\n", lambda s: s.total.steal_seconds_total == 0.0 and s.cores == ()),
    (parse_proc_stat, PROC_STAT, lambda s: (
        s.context_switches_total == 4242 and s.procs_running == 3 and s.procs_blocked == 1
        and [c.name for c in s.cores] == ["cpu0", "cpu1"]
        and s.total.user_seconds_total == pytest.approx(2.70)  # 300 - guest 30 ticks
        and s.total.nice_seconds_total == pytest.approx(0.16)  # 20 - guest_nice 4
        and s.total.steal_seconds_total == pytest.approx(0.07)
        and s.total.guest_seconds_total == pytest.approx(0.30)
        and s.total.total_seconds == pytest.approx(14.40)  # every tick counted once
    )),
    # pressure
    (parse_pressure, "", ParseError),
    (parse_pressure, "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", ParseError),
    (parse_pressure, "some avg10=0.00 avg60=0.00\n", ParseError),
    (parse_pressure, "some avg10 avg60=0.00 avg300=0.00 total=0\n", ParseError),
    (parse_pressure, "some avg10=x avg60=0.00 avg300=0.00 total=0\n", ParseError),
    (parse_pressure, "some avg10=0.50 avg60=0.25 avg300=0.10 total=2000000\n",
     lambda p: p.full is None and p.some.stall_seconds_total == 2.0 and p.some.avg10 == 0.5),
    (parse_pressure, PSI, lambda p: p.some.avg60 == 2.25 and p.full is not None and p.full.avg10 == 0.1
     and p.some.stall_seconds_total == pytest.approx(123.456789)),
    # meminfo
    (parse_meminfo, "", ParseError),
    (parse_meminfo, "MemFree: 10 kB\n", ParseError),
    (parse_meminfo, "MemTotal:\n", ParseError),
    (parse_meminfo, "MemTotal: lots kB\n", ParseError),
    (parse_meminfo, "MemTotal: 1024 kB\nHugePages_Total: 512\nno colon here\n",
     {"MemTotal": 1048576, "HugePages_Total": 512}),
    # vmstat (lenient: malformed lines are skipped)
    (parse_vmstat, "", {}),
    (parse_vmstat, "pswpin\n", {}),
    (parse_vmstat, "pswpin 1 2\npgmajfault abc\n", {}),
    (parse_vmstat, "pswpin 5\npswpout 7\nnr_x -3\n", {"pswpin": 5, "pswpout": 7, "nr_x": -3}),
    # pid stat
    (parse_pid_stat, "", ParseError),
    (parse_pid_stat, "812 (qemu) S 1 812", ParseError),
    (parse_pid_stat, "812 qemu S 1", ParseError),
    (parse_pid_stat, PID_STAT.replace(" 90000 ", " lots "), ParseError),
    (parse_pid_stat, "x" + PID_STAT, ParseError),
    (parse_pid_stat, PID_STAT, lambda s: (
        s.pid, s.comm, s.state, s.ppid, s.flags, s.utime_ticks, s.stime_ticks, s.num_threads,
        s.starttime_ticks, s.rss_pages, s.processor,
    ) == (812, "qemu system", "S", 1, 4194560, 90000, 30000, 9, 4200, 2097152, 4)),
    (parse_pid_stat, PID_STAT.replace("(qemu system)", "((a) b))"), lambda s: s.comm == "(a) b)" and s.ppid == 1),
    # an old kernel without the processor field (fewer than 37 fields after comm)
    (parse_pid_stat, " ".join(PID_STAT.split()[:30]), lambda s: s.processor is None and s.rss_pages == 2097152),
    # cpu list
    (parse_cpu_list, "", frozenset()),
    (parse_cpu_list, "\n", frozenset()),
    (parse_cpu_list, "3-1", ParseError),
    (parse_cpu_list, "0-", ParseError),
    (parse_cpu_list, "a", ParseError),
    (parse_cpu_list, "-1", ParseError),
    (parse_cpu_list, "0-4000000000", ParseError),  # would allocate gigabytes
    (parse_cpu_list, "0-3,8,10-11\n", frozenset({0, 1, 2, 3, 8, 10, 11})),
    (parse_cpu_list, "5", frozenset({5})),
    # pid status (lenient: missing fields are None)
    (parse_pid_status, "", lambda s: s.uid is None and s.cpus_allowed is None),
    (parse_pid_status, "Uid:\n", lambda s: s.uid is None),
    (parse_pid_status, "Uid:\tx\nCpus_allowed_list:\tgarbage\n", lambda s: s.uid is None and s.cpus_allowed is None),
    (parse_pid_status, "Name:\tx\nUid:\t1000\t1000\t1000\t1000\nCpus_allowed_list:\t0-1,3\n",
     lambda s: s.uid == 1000 and s.cpus_allowed == frozenset({0, 1, 3}) and s.rss_bytes is None),
    (parse_pid_status, "Name:\tqemu\nVmHWM:\t  20000 kB\nVmRSS:\t   12304 kB\nRssAnon:\t 8000 kB\n",
     lambda s: s.rss_bytes == 12304 * 1024),
    (parse_pid_status, "VmRSS:\t12304\n", lambda s: s.rss_bytes is None),  # no unit: not trusted
    (parse_pid_status, "VmRSS:\t\u00b2 kB\nUid:\t\u00b2\n", lambda s: s.rss_bytes is None and s.uid is None),
    # --listen
    (parse_listen, "", ValueError),
    (parse_listen, "9117", ValueError),
    (parse_listen, "host:port", ValueError),
    (parse_listen, ":9117", ("127.0.0.1", 9117)),
    (parse_listen, "[::1]:9200", ("::1", 9200)),
    (parse_listen, "0.0.0.0:80", ("0.0.0.0", 80)),
    # themes
    (lambda t: parse_theme(t, "t.yaml"), "", ValueError),
    (lambda t: parse_theme(t, "t.yaml"), "name: x\n", ValueError),  # no primary
    (lambda t: parse_theme(t, "t.yaml"), "name: x\nprimary: '#fff'\ncolour: red\n", ValueError),
    (lambda t: parse_theme(t, "t.yaml"), "name: [x\n", ValueError),
    (lambda t: parse_theme(t, "t.yaml"), "name: x\nprimary: '#fff'\nvariables: [1]\n", ValueError),
    (lambda t: parse_theme(t, "t.yaml"), "name: x\nprimary: '#ffffff'\ndark: false\nvariables: {a: 1}\n",
     lambda s: s.name == "x" and not s.dark and s.colors == {"primary": "#ffffff"} and s.variables == {"a": "1"}),
]


def _id(row: Row) -> str:
    fn, text, _ = row
    return f"{getattr(fn, '__name__', 'fn')}:{text[:24]!r}"


@pytest.mark.parametrize(("parser", "text", "expected"), ROWS, ids=[_id(r) for r in ROWS])
def test_parser_table(parser: Callable[[str], Any], text: str, expected: Any) -> None:
    if isinstance(expected, type) and issubclass(expected, Exception):
        with pytest.raises(expected):
            parser(text)
        return
    result = parser(text)
    if callable(expected):
        assert expected(result), result
    else:
        assert result == pytest.approx(expected) if isinstance(expected, tuple) else result == expected


def test_kernel_thread_flag_is_the_kernel_bit() -> None:
    assert PF_KTHREAD == 0x00200000  # include/linux/sched.h


# ---- Hypothesis: foreign text raises ParseError or nothing --------------------------------

FAST = settings(max_examples=150, deadline=None)
_numbers = st.one_of(st.integers(-5, 10**20).map(str), st.sampled_from(["", "x", "1e5", "\u00b2", "nan", "-", "1/2"]))
_word = st.one_of(_numbers, st.text(max_size=8))


def _lines(prefixes: list[str], fields: int) -> st.SearchStrategy[str]:
    line = st.tuples(st.sampled_from(prefixes), st.lists(_word, max_size=fields)).map(
        lambda t: " ".join([t[0], *t[1]])
    )
    return st.lists(line, max_size=6).map("\n".join)


def _only_parse_error(fn: Callable[[str], Any], text: str) -> None:
    with contextlib.suppress(ParseError):
        fn(text)


@FAST
@given(st.one_of(st.text(max_size=200), _lines(["cpu", "cpu0", "cpu12", "ctxt", "procs_running", "procs_blocked",
                                                "cpu\u00b2", "intr"], 12)))
def test_parse_proc_stat_raises_only_parse_error(text: str) -> None:
    _only_parse_error(parse_proc_stat, text)


@FAST
@given(st.one_of(
    st.text(max_size=200),
    st.tuples(_numbers, st.text(max_size=12), st.lists(_word, max_size=45)).map(
        lambda t: f"{t[0]} ({t[1]}) " + " ".join(t[2])),
))
def test_parse_pid_stat_raises_only_parse_error(text: str) -> None:
    _only_parse_error(parse_pid_stat, text)


_psi_field = st.tuples(st.sampled_from(["avg10", "avg60", "avg300", "total", "x", ""]), st.sampled_from(["=", ""]),
                       _numbers).map("".join)


@FAST
@given(st.one_of(st.text(max_size=200), st.lists(
    st.tuples(st.sampled_from(["Uid", "VmRSS", "Cpus_allowed_list", "Name", ""]), st.sampled_from([":\t", ":", ""]),
              st.lists(_word, max_size=3)).map(lambda t: f"{t[0]}{t[1]}" + " ".join(t[2])),
    max_size=5).map("\n".join)))
def test_parse_pid_status_never_raises(text: str) -> None:
    status = parse_pid_status(text)  # lenient: a field it cannot read is None
    assert status.rss_bytes is None or (status.rss_bytes >= 0 and status.rss_bytes % 1024 == 0)


@FAST
@given(st.one_of(st.text(max_size=200), st.lists(
    st.tuples(st.sampled_from(["some", "full", "other"]), st.lists(_psi_field, max_size=5)).map(
        lambda t: " ".join([t[0], *t[1]])), max_size=3).map("\n".join)))
def test_parse_pressure_raises_only_parse_error(text: str) -> None:
    _only_parse_error(parse_pressure, text)


@FAST
@given(st.one_of(st.text(max_size=200), st.lists(
    st.tuples(st.sampled_from(["MemTotal", "MemFree", "HugePages_Total", ""]), st.sampled_from([":", ""]),
              st.lists(_word, max_size=3)).map(lambda t: f"{t[0]}{t[1]} " + " ".join(t[2])),
    max_size=5).map("\n".join)))
def test_parse_meminfo_raises_only_parse_error(text: str) -> None:
    _only_parse_error(parse_meminfo, text)


@FAST
@given(st.one_of(st.text(max_size=60), st.lists(
    st.one_of(_numbers, st.tuples(_numbers, _numbers).map("-".join)), max_size=6).map(",".join)))
def test_parse_cpu_list_raises_only_parse_error(text: str) -> None:
    try:
        cpus = parse_cpu_list(text)
    except ParseError:
        return
    assert all(0 <= c < 8192 for c in cpus)


@pytest.mark.parametrize(("text", "want"), [
    ("10.0.0.1", ("10.0.0.1", None)), ("ntp.example:1123", ("ntp.example", 1123)),
    ("[2001:db8::1]:124", ("2001:db8::1", 124)), ("2001:db8::1", ("2001:db8::1", None)), ("[::1]", ("::1", None)),
    (":9117", ("", 9117)), ("::1:123", ("::1:123", None)),
])
def test_split_host_port(text: str, want: tuple[str, int | None]) -> None:
    assert split_host_port(text) == want


@pytest.mark.parametrize("text", ["host:0", "host:70000", "host:ntp", "host:", "[::1", "[::1]x", "[::1]:", "h:１２"])
def test_split_host_port_refuses(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(text))):
        split_host_port(text)
