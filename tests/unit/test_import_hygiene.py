"""Collectors, engine, sources, export, config and actions load without Textual (docs/ARCHITECTURE.md).

Checked in a fresh interpreter, so nothing imported by other tests can hide an import. Modules
are listed with pkgutil, so a new collector is covered without editing this file.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import edgetop

PACKAGES = ("edgetop.model", "edgetop.collectors", "edgetop.engine", "edgetop.sources", "edgetop.export",
            "edgetop.actions", "edgetop.demo")
MODULES = ("edgetop.config", "edgetop.config_schema", "edgetop.errors", "edgetop.theming", "edgetop.logsetup")

CHILD = """
import importlib, json, pkgutil, sys
packages, modules = json.loads(sys.argv[1]), json.loads(sys.argv[2])
names = list(modules)
for pkg_name in packages:
    pkg = importlib.import_module(pkg_name)
    names.append(pkg_name)
    names += [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg_name + ".")]
failed = {}
for name in names:
    try:
        importlib.import_module(name)
    except Exception as err:  # report every one, not only the first
        failed[name] = repr(err)
heavy = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
print(json.dumps({"names": names, "failed": failed, "textual": heavy}))
"""


def test_non_ui_modules_import_without_textual() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(PACKAGES), json.dumps(MODULES)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["failed"] == {}
    assert out["textual"] == [], "these modules pulled in Textual"
    assert "edgetop.collectors.cpu" in out["names"] and "edgetop.engine.lanes" in out["names"]
    assert "edgetop.ui.app" not in out["names"]
    # pkgutil saw every collector module on disk
    on_disk = {m.name for m in pkgutil.iter_modules([f"{edgetop.__path__[0]}/collectors"])}
    assert {f"edgetop.collectors.{n}" for n in on_disk} <= set(out["names"])
