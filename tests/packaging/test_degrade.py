"""Without pysnmp, libvirt-python or the libvirt library, edgetop runs and the sources say why."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import libvirt  # the real binding: its C module tells which library file it loads

# The snapshot runs in this interpreter with the named modules made unimportable, exactly
# as when they are not installed (the import system raises ModuleNotFoundError for them).
RUN = """
import sys
for name in filter(None, sys.argv[1].split(",")):
    sys.modules[name] = None
from edgetop.cli import main
sys.exit(main(sys.argv[2:]))
"""


def snapshot(tmp_path: Path, hidden: str, *args: str, prefix: tuple[str, ...] = ()) -> dict[str, Any]:
    config = tmp_path / "c.yaml"
    config.write_text("snmp:\n  targets:\n    - {name: sw, host: 127.0.0.1, port: 9, version: '2c', community: x,"
                      " timeout: 0.2, retries: 0}\nntp: {servers: []}\nservices: []\n")
    config.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if k != "EDGETOP_CONFIG"} | {"XDG_STATE_HOME": str(tmp_path / "state")}
    result = subprocess.run([*prefix, sys.executable, "-c", RUN, hidden, "snapshot", "--interval", "0.2",
                             "--config", str(config), *args],
                            capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def test_without_pysnmp_the_target_is_unavailable_and_says_why(tmp_path: Path) -> None:
    doc = snapshot(tmp_path, "pysnmp")
    source = doc["sources"]["snmp:sw"]
    assert (source["status"], source["reason"]) == ("unavailable", "pysnmp is not installed: pip install pysnmp")
    assert doc["snmp"] == [] and doc["sources"]["cpu"]["status"] == "ok"
    log = tmp_path / "state" / "edgetop" / "edgetop.log"
    assert "Traceback" not in (log.read_text() if log.exists() else "")  # unavailable, not a failure


def test_without_libvirt_python_the_domains_say_why(tmp_path: Path) -> None:
    doc = snapshot(tmp_path, "libvirt", "--connect", "test:///default")
    for name in ("domains", "hypervisor"):
        assert doc["sources"][name]["status"] == "unavailable"
        assert doc["sources"][name]["reason"].startswith("libvirt-python is not installed")
    assert doc["domains"] == [] and doc["sources"]["memory"]["status"] == "ok"


def test_without_the_libvirt_library_the_domains_say_why(tmp_path: Path) -> None:
    # The binding is installed and the C library it links to cannot be loaded: in a private
    # mount namespace /dev/null is bound over the real libvirt.so.0, which nothing else sees.
    ldd = subprocess.run(["ldd", libvirt.libvirtmod.__file__], capture_output=True, text=True, check=True).stdout
    library = next(line.split("=>")[1].split()[0] for line in ldd.splitlines() if "libvirt.so.0" in line)
    real = os.path.realpath(library)
    unshare = shutil.which("unshare")
    assert unshare is not None
    prefix = (unshare, "--mount", "--propagation", "private", "--", "sh", "-c",
              f'mount --bind /dev/null "{real}" && exec "$0" "$@"')
    doc = snapshot(tmp_path, "", "--connect", "test:///default", prefix=prefix)
    reason = doc["sources"]["domains"]["reason"]
    assert doc["sources"]["domains"]["status"] == "unavailable"
    assert reason.startswith("the libvirt library cannot be loaded: install it (Debian, Ubuntu: apt install libvirt0)")
    assert "libvirt.so.0" in reason
    assert doc["sources"]["cpu"]["status"] == "ok"
