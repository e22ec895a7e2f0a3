"""The vCPU delay fallback from /proc/<qemu-pid>/task/<tid>/schedstat, over fixture trees."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgetop.collectors.vcpu_schedstat import (
    VcpuThread,
    find_qemu_pids,
    parse_qemu_uuid,
    parse_schedstat,
    parse_vcpu_comm,
    read_vcpu_threads,
)
from edgetop.errors import ParseError
from edgetop.sources.fs import ProcFS

UUID = "0e1d9e70-0000-4000-8000-000000000001"


def make_proc(root: Path, files: dict[str, str]) -> ProcFS:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return ProcFS(root)


QEMU_TREE = {
    "4242/comm": "qemu-system-x86\n",
    "4242/cmdline": f"/usr/bin/qemu-system-x86_64\0-name\0guest=a b,debug-threads=on\0-uuid\0{UUID.upper()}\0",
    "4242/task/4242/comm": "qemu-system-x86\n",
    "4242/task/4242/schedstat": "1 2 3\n",
    "4242/task/4250/comm": "CPU 0/KVM\n",
    "4242/task/4250/schedstat": "5000000000 250000000 900\n",
    "4242/task/4251/comm": "CPU 1/KVM\n",
    "4242/task/4251/schedstat": "garbage\n",
    "4242/task/4252/comm": "CPU 2/KVM\n",
    "77/comm": "bash\n",
    "77/cmdline": f"bash\0-uuid\0{UUID}\0",
    "88/comm": "qemu-img\n",
    "88/cmdline": "qemu-img\0info\0",
    "self": "",
}


def test_find_and_read_vcpu_threads(tmp_path: Path) -> None:
    fs = make_proc(tmp_path, QEMU_TREE)
    assert find_qemu_pids(fs) == {UUID: 4242}  # not bash, even with -uuid on its command line
    assert read_vcpu_threads(fs, 4242) == {0: VcpuThread(0, 4250, 5_000_000_000, 250_000_000, 900)}
    assert read_vcpu_threads(fs, 9999) == {}


def test_empty_proc(tmp_path: Path) -> None:
    assert find_qemu_pids(ProcFS(tmp_path)) == {}


def test_real_proc_has_no_vcpu_threads_in_this_process() -> None:
    assert read_vcpu_threads(ProcFS("/proc"), os.getpid()) == {}


@pytest.mark.parametrize(("text", "expected"), [
    ("1 2 3\n", (1, 2, 3)), ("10 20 30 40", (10, 20, 30)),
])
def test_schedstat(text: str, expected: tuple[int, int, int]) -> None:
    assert parse_schedstat(text) == expected


@pytest.mark.parametrize("text", ["", "1 2", "a b c", "1 -2 3"])
def test_schedstat_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_schedstat(text)


@given(st.text(max_size=40))
def test_schedstat_only_parse_errors(text: str) -> None:
    try:
        run, wait, slices = parse_schedstat(text)
    except ParseError:
        return
    assert min(run, wait, slices) >= 0


@pytest.mark.parametrize(("text", "vcpu"), [
    ("CPU 0/KVM", 0), ("CPU 12/KVM\n", 12), ("CPU 1/TCG", 1), ("CPU x/KVM", None), ("qemu-system-x86", None),
    ("", None), ("IO mon_iothread", None),
])
def test_vcpu_comm(text: str, vcpu: int | None) -> None:
    assert parse_vcpu_comm(text) == vcpu


@pytest.mark.parametrize(("cmdline", "uuid"), [
    (f"qemu\0-uuid\0{UUID}\0", UUID), ("qemu\0-uuid\0not-a-uuid\0", None), ("qemu\0-uuid", None), ("", None),
])
def test_qemu_uuid(cmdline: str, uuid: str | None) -> None:
    assert parse_qemu_uuid(cmdline) == uuid


def test_collector_fills_delay_from_schedstat_only_where_libvirt_lacks_it(tmp_path: Path) -> None:
    from edgetop.collectors.libvirt_domains import DomainsCollector
    from edgetop.collectors.libvirt_stats import build_domain, bulk_fields
    from edgetop.sources.libvirt_conn import LibvirtConnection

    fs = make_proc(tmp_path, {**QEMU_TREE, "4242/task/4251/schedstat": "7 3000000000 1\n"})
    record = {"state.state": 1, "vcpu.current": 2, "vcpu.maximum": 2, "vcpu.0.time": 10, "vcpu.0.delay": 5,
              "vcpu.1.time": 20}  # an older libvirt: no delay for vCPU 1
    fields = [bulk_fields("a b", UUID, record, 1), bulk_fields("off", "x", {"state.state": 5})]
    DomainsCollector(LibvirtConnection("qemu:///system"), fs)._schedstat(fields)
    dom = build_domain(fields[0])
    assert dom.qemu_pid == 4242
    assert [(v.delay_source, v.tid) for v in dom.vcpu_list] == [("libvirt", 4250), ("schedstat", 4251)]
    assert dom.vcpu_list[0].delay_seconds_total == pytest.approx(5e-9)  # libvirt's own value is kept
    assert dom.vcpu_list[1].delay_seconds_total == pytest.approx(3.0)
    assert build_domain(fields[1]).qemu_pid is None
