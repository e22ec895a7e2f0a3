"""The demo's sysfs tree with its symbolic links, however edgetop was installed.

sysfs tells relations with links (``class/net/ens1f0/master -> ../bond0``, a hwmon chip's
``device``) and the collectors read them with readlink. A wheel cannot hold a link: pip
copies the directory a link points to and drops a link whose target is outside the tree,
so a demo installed from a wheel (``pip install``, the offline bundle) showed no bond or
bridge members, its NICs as virtual and its sensors without a device. ``sysfs-links.txt``
lists every link (a test keeps it equal to the tree in git); where the installed tree
lacks them, the demo reads a private copy with the links put back.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

LINKS_FILE = "sysfs-links.txt"


def read_links(demo_dir: Path) -> tuple[tuple[str, str], ...]:
    """The (path under sysfs/, link target) pairs of ``sysfs-links.txt``."""
    out = []
    for line in (demo_dir / LINKS_FILE).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            path, target = line.split(" -> ")
            out.append((path, target))
    return tuple(out)


def sysfs_root(demo_dir: Path) -> Path:
    """``demo_dir/sysfs`` when its links are there, else a copy of it with them restored."""
    tree = demo_dir / "sysfs"
    links = read_links(demo_dir)
    if all((tree / path).is_symlink() for path, _ in links):
        return tree
    return _restored(tree, links)


@functools.cache
def _restored(tree: Path, links: tuple[tuple[str, str], ...]) -> Path:
    """Copy ``tree`` once per process and put the links back; removed when the process exits."""
    copy = Path(tempfile.mkdtemp(prefix="edgetop-demo-")) / "sysfs"
    atexit.register(shutil.rmtree, copy.parent, True)
    shutil.copytree(tree, copy, symlinks=True)
    for path, target in links:
        where = copy / path
        if where.is_dir() and not where.is_symlink():
            shutil.rmtree(where)  # the wheel's copy of the directory the link pointed to
        elif where.is_symlink() or where.exists():
            where.unlink()
        where.symlink_to(target)
    return copy
