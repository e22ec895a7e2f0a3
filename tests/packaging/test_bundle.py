"""The offline bundle as a technician uses it: install without network, run, read the man page, complete."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from tests.packaging.conftest import REPO, Bundle, Installed, install
from tests.packaging.test_schema import validate


def run(*argv: str | Path, env: dict[str, str] | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=120, check=False,
                          env=os.environ | (env or {}), cwd=cwd)


def test_the_bundle_holds_a_wheel_of_every_dependency(bundle: Bundle) -> None:
    with tarfile.open(bundle.archive) as tar:
        names = [Path(n).name for n in tar.getnames()]
    wheels = {n.split("-")[0].lower() for n in names if n.endswith(".whl")}
    assert {"edgetop", "textual", "rich", "libvirt_python", "pysnmp", "pyasn1", "cryptography", "cffi", "pyyaml",
            "msgspec"} <= wheels
    assert "psutil" not in wheels  # benchmarks only
    libvirt = next(n for n in names if n.startswith("libvirt_python-"))
    assert libvirt.endswith(f"linux_{os.uname().machine}.whl")  # built here, against this distribution's libvirt
    assert {"install.sh", "VERSION", "PYTHON_VERSION", "MACHINE", "SHA256SUMS", "edgetop.1", "_edgetop",
            "edgetop.example.yaml", "edgetop-kiosk.service", "edgetop-exporter.service", "getty-tty1-edgetop.conf",
            "dark.yaml"} <= set(names)


def test_installed_without_network_with_every_dependency(installed: Installed) -> None:
    assert f"edgetop {installed.bundle.version} installed in {installed.prefix}" in installed.output
    check = run(installed.prefix / "bin" / "python", "-m", "pip", "check")
    assert check.returncode == 0, check.stdout
    assert os.readlink(installed.edgetop) == str(installed.prefix / "bin" / "edgetop")


def test_version(installed: Installed) -> None:
    result = run(installed.edgetop, "--version")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"edgetop {installed.bundle.version}"
    assert re.fullmatch(rf"Python 3\.\d+\.\d+ \({re.escape(str(installed.prefix))}/bin/python3?\)", lines[1])
    assert re.fullmatch(r"Textual \d+\.\d+\.\d+", lines[2])
    assert re.fullmatch(r"libvirt \d+\.\d+\.\d+ \(libvirt-python \d+\.\d+\.\d+\)", lines[3])


def network_and_sensors(doc: dict[str, Any]) -> Any:
    net = doc["network"]
    return ({i["name"]: (i["kind"], i["master"]) for i in net["interfaces"]},
            sorted((p["kind"], p["subject"]) for p in net["problems"]),
            [(s["id"], s["device"]) for s in doc["sensors"]])


def test_snapshot_demo(installed: Installed, tmp_path: Path) -> None:
    env = {"XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = run(installed.edgetop, "snapshot", "--demo", "--interval", "0.3", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    validate(doc)
    assert len(doc["domains"]) >= 3 and doc["network"]["bonds"] and doc["snmp"]
    # The installed demo shows what the source tree's shows (its sysfs links included).
    source = run(sys.executable, "-m", "edgetop", "snapshot", "--demo", "--interval", "0.3",
                 env=env | {"PYTHONPATH": str(REPO)}, cwd=tmp_path)
    assert network_and_sensors(doc) == network_and_sensors(json.loads(source.stdout))


def test_the_installed_schema_is_the_one_in_the_package(installed: Installed) -> None:
    result = run(installed.edgetop, "snapshot", "--schema")
    assert json.loads(result.stdout) == json.loads((REPO / "edgetop" / "snapshot.schema.json").read_text())


def parser_options() -> set[str]:
    from edgetop.cli import build_parser

    top = build_parser()
    out = {s for a in top._actions for s in a.option_strings}
    for action in top._actions:
        if action.choices and isinstance(action.choices, dict):
            out |= set(action.choices) | {s for p in action.choices.values() for a in p._actions
                                          for s in a.option_strings}
    return out


def test_man_page(installed: Installed) -> None:
    page = installed.link_root / "share" / "man" / "man1" / "edgetop.1"
    result = run("man", "--warnings", "-l", page, env={"MANWIDTH": "100", "LC_ALL": "C.UTF-8"})
    assert result.returncode == 0 and not result.stderr, result.stderr
    text = result.stdout
    assert text.startswith("EDGETOP(1)") and f"edgetop {installed.bundle.version}" in text
    missing = {o for o in parser_options() if o not in text}
    assert not missing, f"options the parser has and the man page lacks: {missing}"
    for command in ("snapshot", "serve", "check-config"):
        assert f"edgetop [OPTIONS] {command}" in text
    found = run("man", "-w", "edgetop", env={"MANPATH": str(installed.link_root / "share" / "man")})
    assert Path(found.stdout.strip()).resolve() == page.resolve()


BASH = """
source /usr/share/bash-completion/bash_completion
_completion_loader edgetop
spec=$(complete -p edgetop) || exit 3
fn=${spec##*-F }; fn=${fn%% *}
comp() {
  COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
  "$fn" edgetop "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
  echo "$*|${COMPREPLY[*]}"
}
comp edgetop s
comp edgetop snapshot --sc
comp edgetop serve --li
comp edgetop --theme edgetop-h
comp edgetop --ver
"""


def test_bash_completion_loads_from_the_link_root(installed: Installed) -> None:
    # bash-completion looks in $XDG_DATA_DIRS/bash-completion/completions (/usr/local/share first by default).
    result = run("bash", "--norc", "--noprofile", "-c", BASH,
                 env={"XDG_DATA_DIRS": str(installed.link_root / "share"), "BASH_COMPLETION_USER_DIR": "/nonexistent"})
    assert result.returncode == 0, result.stderr
    answers = dict(line.split("|") for line in result.stdout.splitlines())
    assert answers == {"edgetop s": "snapshot serve", "edgetop snapshot --sc": "--schema",
                       "edgetop serve --li": "--listen", "edgetop --theme edgetop-h": "edgetop-high-contrast",
                       "edgetop --ver": "--version"}


def test_zsh_completion_loads_from_site_functions(installed: Installed, tmp_path: Path) -> None:
    # compinit maps edgetop to _edgetop from the #compdef line; autoload +X parses the file
    # (a syntax error fails here) without running it outside a completion.
    script = (f"fpath=({installed.link_root}/share/zsh/site-functions $fpath); autoload -Uz compinit; "
              f"compinit -u -d {tmp_path}/zcompdump; print -r -- $_comps[edgetop]; autoload +X _edgetop && "
              "print -r -- ${functions[_edgetop]}")
    result = run("zsh", "-f", "-c", script)
    assert result.returncode == 0 and not result.stderr, result.stderr
    first, body = result.stdout.split("\n", 1)
    assert first == "_edgetop"
    for word in ("_shtab_edgetop_snapshot_options", "--schema", "--listen", "edgetop-high-contrast", "_files"):
        assert word in body, word


def test_share_files(installed: Installed) -> None:
    share = installed.link_root / "share"
    assert (share / "doc" / "edgetop" / "edgetop.example.yaml").read_text() == \
        (REPO / "contrib" / "edgetop.example.yaml").read_text()
    assert sorted(p.name for p in (share / "edgetop" / "themes").iterdir()) == \
        sorted(p.name for p in (REPO / "edgetop" / "themes").iterdir())
    check = run(installed.edgetop, "check-config", share / "doc" / "edgetop" / "edgetop.example.yaml")
    assert check.returncode == 0, check.stderr


def test_units_verify_and_point_at_the_install(installed: Installed, tmp_path: Path) -> None:
    contrib = installed.link_root / "share" / "edgetop" / "contrib"
    units = [contrib / "edgetop-kiosk.service", contrib / "edgetop-exporter.service"]
    for unit in units:
        exec_start = next(ln for ln in unit.read_text().splitlines() if ln.startswith("ExecStart="))
        assert exec_start.split()[0] == f"ExecStart={installed.prefix}/bin/edgetop"
    # A plain command that loads the units as systemd would, with no systemd running: the
    # binaries must exist and be executable, and Documentation=man:edgetop(1) must be found.
    env = {"MANPATH": str(installed.link_root / "share" / "man")}
    result = run("systemd-analyze", "verify", *units, env=env)
    assert result.returncode == 0 and not result.stderr, result.stderr
    # The getty drop-in over Debian's own getty@.service. Its "-/sbin/agetty" may fail by
    # design, so verify does not look for that binary, nor inside --login-options: both are
    # checked here.
    units_dir = tmp_path / "units"
    (units_dir / "getty@tty1.service.d").mkdir(parents=True)
    # Debian's own unit, without its Documentation= (man pages a slim image may not have).
    getty = Path("/lib/systemd/system/getty@.service").read_text().splitlines()
    (units_dir / "getty@.service").write_text("\n".join(ln for ln in getty if not ln.startswith("Documentation=")))
    dropin = (contrib / "getty-tty1-edgetop.conf").read_text()
    (units_dir / "getty@tty1.service.d" / "edgetop.conf").write_text(dropin)
    result = run("systemd-analyze", "verify", "getty@tty1.service", env=env | {"SYSTEMD_UNIT_PATH": f"{units_dir}:"})
    assert result.returncode == 0 and not result.stderr, result.stderr
    assert os.access("/sbin/agetty", os.X_OK) and os.access("/usr/sbin/runuser", os.X_OK)
    assert f"-- {installed.prefix}/bin/edgetop --kiosk" in dropin


def test_verify_fails_on_a_unit_whose_binary_is_missing(tmp_path: Path) -> None:
    # The check above can fail: the same unit pointing at a path with nothing there.
    unit = tmp_path / "edgetop-exporter.service"
    unit.write_text((REPO / "contrib" / "edgetop-exporter.service").read_text()
                    .replace("/opt/edgetop/bin/edgetop", str(tmp_path / "missing" / "edgetop")))
    result = run("systemd-analyze", "verify", unit, env={"MANPATH": "/nonexistent"})
    assert result.returncode != 0 and "is not executable" in result.stderr


def test_reinstall_then_uninstall(bundle: Bundle, tmp_path: Path) -> None:
    prefix, link_root = tmp_path / "opt" / "edgetop", tmp_path / "usr" / "local"
    args = ("--prefix", str(prefix), "--link-root", str(link_root))
    first = install(bundle, tmp_path / "a", *args)
    assert first.returncode == 0, first.stderr
    (prefix / "stale-file").write_text("from the previous version")
    again = install(bundle, tmp_path / "b", *args)  # an upgrade over the same prefix
    assert again.returncode == 0, again.stderr
    assert not (prefix / "stale-file").exists() and (link_root / "bin" / "edgetop").exists()
    (link_root / "bin" / "mine").write_text("not edgetop's")
    gone = install(bundle, tmp_path / "c", "--uninstall", *args)
    assert gone.returncode == 0, gone.stderr
    assert not prefix.exists() and not (link_root / "bin" / "edgetop").is_symlink()
    assert (link_root / "bin" / "mine").exists()
    assert not any(p.is_symlink() for p in link_root.rglob("*"))


@pytest.mark.parametrize("where", ["prefix", "link"])
def test_refuses_to_overwrite_what_is_not_edgetop(bundle: Bundle, tmp_path: Path, where: str) -> None:
    prefix, link_root = tmp_path / "opt" / "edgetop", tmp_path / "usr" / "local"
    victim = prefix / "data" if where == "prefix" else link_root / "bin" / "edgetop"
    victim.parent.mkdir(parents=True)
    victim.write_text("someone else's")
    result = install(bundle, tmp_path, "--prefix", str(prefix), "--link-root", str(link_root))
    assert result.returncode == 1 and "install.sh:" in result.stderr
    assert victim.read_text() == "someone else's"
    assert not (prefix / "bin").exists()
