"""RootedFS reads through string paths: the same files as its ``Path``s, under any root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from edgetop.sources.fs import ProcFS, SysFS


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
