"""Fixtures for action tests: a recording stub service manager first on PATH, a writable runner."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

STUB = r'''#!{python}
"""Recording stub of {tool}: appends its argv as one JSON line; behaviour from STUB_MODE."""
import json, os, subprocess, sys, time
args = sys.argv[1:]
with open(os.environ["STUB_LOG"], "a") as fh:
    fh.write(json.dumps(["{tool}", *args]) + "\n")
mode = os.environ.get("STUB_MODE", "ok")
if "restart" in args:
    if mode == "fail":
        print("Job for snmpd.service failed because the control process exited with error code.", file=sys.stderr)
        sys.exit(1)
    if mode == "hang":
        child = subprocess.Popen(["sleep", "120"])
        open(os.environ["STUB_LOG"] + ".child", "w").write(str(child.pid))
        time.sleep(120)
    sys.exit(0)
if "{tool}" == "journalctl":
    # STUB_JOURNAL: the file whose lines are the unit's journal; unset: no entries.
    path = os.environ.get("STUB_JOURNAL")
    if not path:
        print("-- No entries --")
        sys.exit(0)
    lines = open(path).read().splitlines()
    n = int(args[args.index("-n") + 1])
    print("\n".join(lines[-n:]))
    sys.exit(0)
if args and args[0] == "show":
    units = args[args.index("--") + 1:]
    # STUB_SHOW: "active/sub,..." answered one per show call, the last one repeated.
    states = os.environ.get("STUB_SHOW", "active/running").split(",")
    counter = os.environ["STUB_LOG"] + ".shows"
    n = int(open(counter).read()) if os.path.exists(counter) else 0
    open(counter, "w").write(str(n + 1))
    active, sub = states[min(n, len(states) - 1)].split("/")
    for i, unit in enumerate(units):
        if i:
            print()
        print(f"Id={{unit if '.' in unit else unit + '.service'}}")
        print(f"LoadState=loaded\nActiveState={{active}}\nSubState={{sub}}")
        print("ActiveEnterTimestamp=@1763900000\nActiveEnterTimestampMonotonic=1000000")
        print(f"MainPID={{4242 + i if active == 'active' else 0}}\nNRestarts=3")
        print(f"MemoryCurrent=1048576\nDescription=stub {{unit}}")
    sys.exit(0)
if args and args[-1] == "status":
    if "{tool}" == "rc-service":
        print(" * status: started")
        sys.exit(0)
    sys.exit(3)
sys.exit(0)
'''


@dataclass
class Stub:
    """Where the stub logs and how to read back the calls."""

    bin_dir: Path
    log: Path
    root: Path

    def calls(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]


@pytest.fixture
def stub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Stub:
    """systemctl, journalctl, rc-service and service stubs first on PATH, and a fake root saying systemd runs."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("systemctl", "rc-service", "service", "journalctl"):
        path = bin_dir / tool
        path.write_text(STUB.format(python=sys.executable, tool=tool))
        path.chmod(0o755)
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("STUB_LOG", str(log))
    root = tmp_path / "root"
    (root / "run/systemd/system").mkdir(parents=True)
    return Stub(bin_dir, log, root)
