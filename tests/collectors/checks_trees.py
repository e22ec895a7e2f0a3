"""Fixture trees of the set-up checks: a well set-up node and a badly set-up one.

``checks_good.txt`` and ``checks_bad.txt`` hold the files; what a manifest cannot hold is
set here: file modes under ``root/etc/libvirt`` and NUL-separated command lines of edgetop
processes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from edgetop.sources.fs import ProcFS, SysFS
from tests.fixtures.tree import materialise

LIBVIRT_NODE = Path(__file__).resolve().parent.parent / "fixtures" / "libvirt" / "checks-node.xml"
LIBVIRT_URI = f"test://{LIBVIRT_NODE}"


@dataclass(frozen=True)
class Tree:
    """A materialised tree: its /proc, /sys and host root."""

    base: Path
    procfs: ProcFS
    sysfs: SysFS
    root: Path


def build(kind: str, dest: Path) -> Tree:
    """Materialise ``checks_{kind}.txt`` in ``dest``; ``good`` gets the modes a careful admin sets."""
    materialise(f"checks_{kind}.txt", dest)
    etc = dest / "root" / "etc" / "libvirt"
    for path in etc.rglob("*"):
        if path.is_file():
            path.chmod(0o644)  # whatever the umask: the files' modes are part of the fixture
    if kind == "good":
        for path in etc.rglob("*"):
            if path.is_file() and path.name != "libvirt.conf":
                path.chmod(0o600)
    return Tree(dest, ProcFS(dest / "proc"), SysFS(dest / "sys"), dest / "root")


def add_process(tree: Tree, pid: int, argv: list[str], *, cpu_ticks: int = 100, start_ticks: int = 100,
                cpus: str = "0-1") -> None:
    """Add an edgetop-like process: command line, stat (utime, starttime) and status (affinity)."""
    d = tree.base / "proc" / str(pid)
    d.mkdir(parents=True, exist_ok=True)
    (d / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    fields = ["S", "1", str(pid), str(pid), "0", "-1", "4194560", "0", "0", "0", "0", str(cpu_ticks), "0", "0", "0",
              "20", "0", "3", "0", str(start_ticks), "1000000", "5000"] + ["0"] * 30
    (d / "stat").write_text(f"{pid} (python3) {' '.join(fields)}\n")
    (d / "status").write_text(f"Name:\tpython3\nUid:\t1000\t1000\t1000\t1000\nCpus_allowed_list:\t{cpus}\n")


def set_self(tree: Tree, pid: int) -> None:
    """Make ``proc/self`` a link to ``pid`` as on a real /proc (replacing the manifest's directory)."""
    self_dir = tree.base / "proc" / "self"
    status = (self_dir / "status").read_text()
    for child in self_dir.iterdir():
        child.unlink()
    self_dir.rmdir()
    os.symlink(str(pid), self_dir)
    (tree.base / "proc" / str(pid) / "status").write_text(status)
