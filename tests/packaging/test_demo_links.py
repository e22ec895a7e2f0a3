"""The demo's sysfs links survive an install from a wheel (which cannot hold links)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from edgetop.demo import DEMO_DIR
from edgetop.demo.sysfs_links import read_links, sysfs_root


def links_in(tree: Path) -> set[tuple[str, str]]:
    return {(str(p.relative_to(tree)), os.readlink(p)) for p in tree.rglob("*") if p.is_symlink()}


def test_the_manifest_lists_every_link_of_the_tree() -> None:
    assert set(read_links(DEMO_DIR)) == links_in(DEMO_DIR / "sysfs")
    assert sysfs_root(DEMO_DIR) == DEMO_DIR / "sysfs"  # a source tree is read as it is


def test_a_tree_copied_as_a_wheel_holds_it_is_read_with_its_links_back(tmp_path: Path) -> None:
    # What pip does with the package data: directories behind links are copied, links
    # whose target is outside the tree are left out.
    installed = tmp_path / "demo"
    shutil.copytree(DEMO_DIR, installed, symlinks=False, ignore_dangling_symlinks=True)
    assert not links_in(installed / "sysfs")
    restored = sysfs_root(installed)
    assert restored != installed / "sysfs"
    assert links_in(restored) == set(read_links(DEMO_DIR))
    assert (restored / "class/net/ens1f0/master/address").read_text() == \
        (DEMO_DIR / "sysfs/class/net/bond0/address").read_text()
