"""The version comes from the git tag; without one it says so (pyproject.toml, [tool.setuptools_scm])."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.packaging.conftest import REPO


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main",
                    *args], cwd=cwd, check=True, capture_output=True)


def scm_version(tree: Path) -> str:
    """What setuptools-scm makes of ``tree`` with its pyproject.toml, as the build asks it.

    The wheel and ``edgetop --version`` carrying that version is checked on the bundle
    (tests/packaging/test_bundle.py); building four wheels here would cost a minute.
    """
    result = subprocess.run([sys.executable, "-m", "setuptools_scm"], cwd=tree, check=True, capture_output=True,
                            text=True, timeout=120)
    return result.stdout.strip()


@pytest.mark.parametrize(("case", "expected"), [
    ("tag", r"9\.8\.7"),
    ("after-tag", r"9\.8\.8\.dev1\+g[0-9a-f]+"),
    ("no-tag", r"0\.1\.dev1\+g[0-9a-f]+"),
    ("no-git", r"0\.0"),
])
def test_version_from_git(tmp_path: Path, case: str, expected: str) -> None:
    tree = tmp_path / "edgetop"
    tree.mkdir()
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=REPO, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tree, filter="tar")
    if case != "no-git":
        git(tree, "init", "-q")
        git(tree, "add", "-A")
        git(tree, "commit", "-q", "-m", "release")
        if case in ("tag", "after-tag"):
            git(tree, "tag", "v9.8.7")
        if case == "after-tag":
            (tree / "NEWS").write_text("after the release\n")
            git(tree, "add", "NEWS")
            git(tree, "commit", "-q", "-m", "one more")
    assert re.fullmatch(expected, scm_version(tree))
