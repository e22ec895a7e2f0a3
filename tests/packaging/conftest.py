"""The offline bundle, built once per test run and installed once with the network cut off."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# The node's interpreter: Debian's python3 with python3-venv (make test installs both).
NODE_PYTHON = "/usr/bin/python3"


@dataclass(frozen=True)
class Bundle:
    """The built archive and the version it carries."""

    archive: Path
    version: str


@dataclass(frozen=True)
class Installed:
    """An install in a fresh directory: PREFIX (the environment) and the links under LINK_ROOT."""

    bundle: Bundle
    prefix: Path
    link_root: Path
    output: str

    @property
    def edgetop(self) -> Path:
        return self.link_root / "bin" / "edgetop"


def unpack(bundle: Bundle, into: Path) -> Path:
    """Unpack the archive; return the bundle's directory."""
    with tarfile.open(bundle.archive) as tar:
        tar.extractall(into, filter="tar")
    (top,) = into.iterdir()
    return top


def install(bundle: Bundle, into: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run install.sh from a fresh unpack, in a network namespace of its own: no route anywhere."""
    top = unpack(bundle, into / "unpacked")
    return subprocess.run(["unshare", "--net", "--", str(top / "install.sh"), "--python", NODE_PYTHON, *args],
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """``packaging/build-bundle.sh``, as ``make dist`` runs it (wheels from the pip cache after the first run)."""
    out = tmp_path_factory.mktemp("dist")
    env = os.environ | {"PYTHON": sys.executable, "DEV_PYTHON": sys.executable}
    result = subprocess.run([str(REPO / "packaging" / "build-bundle.sh"), str(out)], capture_output=True, text=True,
                            timeout=900, env=env, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    (archive,) = out.glob("edgetop-*.tar.gz")
    version = archive.name.removeprefix("edgetop-").split("-")[0]
    return Bundle(archive, version)


@pytest.fixture(scope="session")
def installed(bundle: Bundle, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The bundle installed into a fresh directory as an operator would, with another link root than /usr/local."""
    root = tmp_path_factory.mktemp("node")
    prefix, link_root = root / "opt" / "edgetop", root / "usr" / "local"
    result = install(bundle, root, "--prefix", str(prefix), "--link-root", str(link_root))
    assert result.returncode == 0, result.stderr
    return Installed(bundle, prefix, link_root, result.stdout)
