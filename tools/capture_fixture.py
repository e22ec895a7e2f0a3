"""Copy a scrubbed subset of this host's /proc and /sys into a fixture directory.

Usage::

    python tools/capture_fixture.py DEST [--procfs /proc] [--sysfs /sys] [--pids 1,2,...] [--hostname NAME]

writes ``DEST/proc`` and ``DEST/sys`` holding only what edgetop's foundation collectors
read (host, cpu, memory, processes). Nothing identifying leaves the host: the hostname
is replaced, process names and command lines become ``procN``/``/usr/bin/procN``, and
every non-root uid/gid becomes 65534 (nobody), which resolves on any Debian machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

PROC_FILES = ("stat", "meminfo", "vmstat", "loadavg", "uptime", "sys/kernel/osrelease")
# /proc/<pid>/status lines worth keeping; the rest (capabilities, signal masks,
# NUMA masks) is noise for the collectors and may say more about the host than needed.
STATUS_KEYS = ("Name", "Umask", "State", "Tgid", "Pid", "PPid", "Uid", "Gid", "Threads", "VmRSS",
               "Cpus_allowed", "Cpus_allowed_list", "voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")
CPU_GLOBS = ("online", "cpu[0-9]*/cpufreq/scaling_cur_freq", "cpu[0-9]*/thermal_throttle/*", "cpu[0-9]*/topology/*")
NOBODY = "65534"


def _copy(src: Path, dst: Path) -> bool:
    """Copy one pseudo-file by reading it (shutil.copy trusts st_size, which is 0 in procfs)."""
    try:
        data = src.read_bytes()
    except OSError:
        return False
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(data)
    return True


def _scrub_ids(line: str) -> str:
    """Replace every non-root id on a ``Uid:``/``Gid:`` line with nobody."""
    key, _, rest = line.partition(":")
    ids = [i if i == "0" else NOBODY for i in rest.split()]
    return f"{key}:\t" + "\t".join(ids)


def scrub_status(text: str, name: str) -> str:
    """Keep the useful lines of ``/proc/<pid>/status``, with name and ids scrubbed."""
    out = []
    for line in text.splitlines():
        key = line.partition(":")[0]
        if key not in STATUS_KEYS:
            continue
        if key == "Name":
            out.append(f"Name:\t{name}")
        elif key in ("Uid", "Gid"):
            out.append(_scrub_ids(line))
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def scrub_stat(text: str, name: str) -> str:
    """Replace the ``(comm)`` of a ``/proc/<pid>/stat`` line (it ends at the last ``)``)."""
    open_at, close_at = text.find("("), text.rfind(")")
    if open_at < 0 or close_at < open_at:
        return text
    return f"{text[:open_at]}({name}){text[close_at + 1:]}"


def capture_pid(proc: Path, dest: Path, pid: str, index: int) -> bool:
    """Copy one process scrubbed; False when it vanished meanwhile."""
    try:
        stat = (proc / pid / "stat").read_text()
        status = (proc / pid / "status").read_text()
        cmdline = (proc / pid / "cmdline").read_bytes()
    except OSError:
        return False
    # Kernel threads keep their (generic, kernel-chosen) name shape so that the view's
    # "[kthreadd]" rendering is tested; user processes get a generic one.
    kthread = not cmdline
    name = f"kworker/{index}" if kthread else f"proc{index}"
    out = dest / pid
    out.mkdir(parents=True, exist_ok=True)
    (out / "stat").write_text(scrub_stat(stat, name))
    (out / "status").write_text(scrub_status(status, name))
    (out / "cmdline").write_bytes(b"" if kthread else f"/usr/bin/{name}\0--flag\0value\0".encode())
    return True


def capture(procfs: Path, sysfs: Path, dest: Path, pids: list[str], hostname: str) -> None:
    """Write ``dest/proc`` and ``dest/sys``."""
    p_out, s_out = dest / "proc", dest / "sys"
    for rel in PROC_FILES:
        _copy(procfs / rel, p_out / rel)
    (p_out / "sys/kernel").mkdir(parents=True, exist_ok=True)
    (p_out / "sys/kernel/hostname").write_text(hostname + "\n")
    for src in sorted((procfs / "pressure").glob("*")):
        _copy(src, p_out / "pressure" / src.name)
    for index, pid in enumerate(pids):
        capture_pid(procfs, p_out, pid, index)
    cpu = sysfs / "devices/system/cpu"
    for pattern in CPU_GLOBS:
        for src in sorted(cpu.glob(pattern)):
            if src.is_file():
                _copy(src, s_out / "devices/system/cpu" / src.relative_to(cpu))
    mm = sysfs / "kernel/mm"
    for sub in ("hugepages", "ksm"):
        for src in sorted((mm / sub).rglob("*")):
            if src.is_file():
                _copy(src, s_out / "kernel/mm" / src.relative_to(mm))


def default_pids(procfs: Path) -> list[str]:
    """Choose pid 1, kthreadd (2), this process and a few more: a small, varied set."""
    wanted = ["1", "2", str(os.getpid())]
    others = sorted((p.name for p in procfs.iterdir() if p.name.isdigit()), key=int)
    for pid in others:
        if len(wanted) >= 6:
            break
        if pid not in wanted:
            wanted.append(pid)
    return wanted


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dest", type=Path)
    ap.add_argument("--procfs", type=Path, default=Path("/proc"))
    ap.add_argument("--sysfs", type=Path, default=Path("/sys"))
    ap.add_argument("--pids", help="comma-separated pids (default: 1, 2, self and a few more)")
    ap.add_argument("--hostname", default="fixture-host")
    ap.add_argument("--force", action="store_true", help="replace DEST if it exists")
    args = ap.parse_args(argv)
    if args.dest.exists():
        if not args.force:
            print(f"{args.dest} exists (use --force)", file=sys.stderr)
            return 1
        shutil.rmtree(args.dest)
    pids = args.pids.split(",") if args.pids else default_pids(args.procfs)
    capture(args.procfs, args.sysfs, args.dest, pids, args.hostname)
    print(f"captured {args.dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
