"""Filesystems on a real kernel: a loop-mounted ext4 image in a private mount namespace.

``unshare -m`` gives the child its own mount table, so nothing is mounted on the host; the
child mounts the image with ``errors=remount-ro``, runs the collector (this process's own
``/proc/self/mountinfo`` and real statvfs), makes ext4 fail through
``/sys/fs/ext4/<dev>/trigger_fs_error`` (the kernel's own error path) and runs it again.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHILD = r"""
import json, os, subprocess, sys
from edgetop.collectors.filesystems import collect_filesystems
from edgetop.config_schema import Config
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
mnt = sys.argv[1]
subprocess.run(["mount", "-o", "loop,errors=remount-ro", sys.argv[2], mnt], check=True)
dev = os.path.basename(subprocess.run(["findmnt", "-n", "-o", "SOURCE", mnt], capture_output=True, text=True,
                                      check=True).stdout.strip())
ctx = Context(config=Config(), procfs=ProcFS("/proc"), sysfs=SysFS("/sys"))
def mine():
    return next(f for f in collect_filesystems(ctx).filesystems if f.mountpoint == mnt)
before = mine()
with open(f"/sys/fs/ext4/{dev}/trigger_fs_error", "w") as fh:
    fh.write("1")
try:
    open(os.path.join(mnt, "probe"), "w").close()
    wrote = True
except OSError:
    wrote = False
after = mine()
subprocess.run(["umount", mnt], check=True)
print(json.dumps({"before": [before.fstype, before.readonly, before.readonly_unexpected, before.size_bytes],
                  "after": [after.readonly, after.readonly_unexpected], "wrote": wrote}))
"""


def _can_loop_mount() -> str | None:
    if os.geteuid() != 0:
        return "needs root for mount (the CI runs tests as root)"
    for tool in ("unshare", "mkfs.ext4", "findmnt", "mount"):
        if shutil.which(tool) is None:
            return f"{tool} not installed"
    return None


def test_ext4_errors_make_it_read_only_and_the_collector_says_so(tmp_path: Path) -> None:
    why = _can_loop_mount()
    if why:
        pytest.fail(why)  # the machine must allow it: this is the real-kernel test of the remount
    image, mnt = tmp_path / "fs.img", tmp_path / "mnt"
    mnt.mkdir()
    with open(image, "wb") as fh:
        fh.truncate(16 * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], check=True)
    done = subprocess.run(
        ["unshare", "-m", "--propagation", "private", sys.executable, "-c", CHILD, str(mnt), str(image)],
        capture_output=True, text=True, timeout=60, env=os.environ | {"PYTHONPATH": str(REPO)}, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    fstype, readonly, unexpected, size = result["before"]
    assert (fstype, readonly, unexpected) == ("ext4", False, None) and size > 10 * 1024 * 1024
    assert result["wrote"] is False  # the kernel really refuses writes now
    readonly_after, why_after = result["after"]
    assert readonly_after is True and "read-only after filesystem errors" in why_after
