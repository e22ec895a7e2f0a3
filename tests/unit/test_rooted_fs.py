"""RootedFS: string paths naming the files its Paths name; whole reads in as few reads as the kernel allows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from edgetop.errors import SourceUnavailable
from edgetop.sources import fs
from edgetop.sources.fs import ProcFS, RootedFS, SysFS


@pytest.mark.parametrize("rel", ["class/net", "/class/net", "class/net/eth0/mtu", "", "class/net/"])
def test_str_path_names_the_file_path_names(tmp_path: Path, rel: str) -> None:
    fs = SysFS(tmp_path)
    assert os.path.normpath(fs.str_path(rel)) == os.path.normpath(fs.path(rel))


def test_str_path_under_the_real_root() -> None:
    assert ProcFS("/proc").str_path("self/stat") == "/proc/self/stat"
    assert ProcFS("/").str_path("/proc/self") == "/proc/self"


def test_listdir_readlink_exists_read_under_a_fixture_root(tmp_path: Path) -> None:
    (tmp_path / "class/net/eth0").mkdir(parents=True)
    (tmp_path / "class/net/bond0").mkdir()
    (tmp_path / "class/net/eth0/mtu").write_text("1500\n")
    (tmp_path / "class/net/eth0/master").symlink_to("../bond0")
    fs = SysFS(tmp_path)
    assert fs.listdir("class/net") == ["bond0", "eth0"]
    assert fs.listdir("/class/net/") == ["bond0", "eth0"]
    assert fs.listdir("class/absent") == []
    assert fs.readlink("class/net/eth0/master") == "../bond0"
    assert fs.readlink("class/net/eth0/mtu") is None
    assert fs.exists("class/net/eth0/mtu")
    assert not fs.exists("class/net/eth0/speed")
    assert fs.read_int("class/net/eth0/mtu") == 1500


@pytest.mark.parametrize("one_record", [False, True])
@pytest.mark.parametrize("size", [0, 1, fs._CHUNK - 1, fs._CHUNK, fs._CHUNK + 1, 3 * fs._CHUNK + 7])
def test_a_regular_file_is_read_whole(tmp_path: Path, size: int, one_record: bool) -> None:
    body = "".join(chr(48 + i % 10) for i in range(size))
    (tmp_path / "f").write_text(body)
    assert RootedFS(tmp_path).read_text("f", one_record=one_record) == body


def test_a_file_over_the_cap_is_cut_at_the_cap(tmp_path: Path) -> None:
    (tmp_path / "big").write_bytes(b"x" * (fs.MAX_READ_BYTES + 3 * fs._CHUNK))
    assert len(RootedFS(tmp_path).read_text("big")) == fs.MAX_READ_BYTES


def test_a_file_of_many_records_is_read_to_its_end() -> None:
    """seq_file hands out such a file one kernel buffer per read: short reads before the end."""
    smaps = ProcFS("/proc").read_text("self/smaps")  # every mapping of this interpreter
    with open("/proc/self/maps") as fh:
        mappings = len(fh.read().splitlines())
    assert len(smaps) > 3 * 4096
    assert smaps.count("VmFlags:") >= mappings - 2  # a mapping or two may come or go between the reads
    assert smaps.endswith("\n") and smaps.rstrip("\n").rsplit("\n", 1)[-1].startswith("VmFlags:")


def test_files_of_one_record_are_read_whole_in_one_read() -> None:
    procfs = ProcFS("/proc")
    with open("/proc/self/cmdline", "rb") as fh:
        assert procfs.read_text("self/cmdline", one_record=True) == fh.read().decode()
    status = procfs.read_text("self/status", one_record=True)
    assert status.startswith("Name:") and status.endswith("\n")
    assert [line.split(":")[0] for line in status.splitlines()] == \
        [line.split(":")[0] for line in procfs.read_text("self/status").splitlines()]


def test_a_missing_file_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable):
        RootedFS(tmp_path).read_text("nope")
    assert RootedFS(tmp_path).read_optional("nope", one_record=True) is None
