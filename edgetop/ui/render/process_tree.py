"""The Processes pane's tree view: parents above their children, siblings in the sort order.

Pure: from rows keyed by pid (each with ``pid`` and ``ppid``) and a sibling sort, the
display order and each row's branch prefix. A process whose parent is not shown (hidden
by the filter, a kernel thread hidden, or init's own parent 0) is a root. The walk is
iterative (a deep chain of shells cannot overflow the stack) and visits each pid once,
so a malformed ppid loop from a fixture tree still lists every row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

# Light box drawing: in the Linux console's Lat15-Fixed16 font (docs: FIELD-NOTES).
BRANCH, LAST, PIPE, GAP = "├─", "└─", "│ ", "  "
MAX_INDENT = 12
"""Deeper levels are drawn at this depth: at 80 columns the command must stay readable."""


def tree_order(rows: Mapping[str, Any], sibling_key: Callable[[Any], Any],
               reverse: bool = False) -> tuple[list[str], dict[str, str]]:
    """Return (row keys in tree order, key → prefix drawn before the command).

    Args:
        rows: pid (as the row key) → row with ``pid`` and ``ppid``.
        sibling_key: orders the children of one parent (the pane's sort column).
        reverse: siblings largest first.

    """
    children: dict[str, list[str]] = {}
    roots: list[str] = []
    for key, row in rows.items():
        parent = str(row.ppid)
        if parent in rows and parent != key:
            children.setdefault(parent, []).append(key)
        else:
            roots.append(key)

    rank = {key: sibling_key(row) for key, row in rows.items()}  # once per row, not once per comparison

    def ordered(keys: list[str]) -> list[str]:
        return sorted(keys, key=rank.__getitem__, reverse=reverse) if len(keys) > 1 else keys

    order: list[str] = []
    prefix: dict[str, str] = {}
    seen: set[str] = set()
    # Stack of (key, the prefix of its children's guides, its own branch glyph).
    stack: list[tuple[str, str, str]] = [(k, "", "") for k in reversed(ordered(roots))]
    while stack or len(seen) < len(rows):
        if not stack:  # only a ppid loop leaves rows unvisited: show them as roots
            stack.append((next(k for k in rows if k not in seen), "", ""))
        key, guides, branch = stack.pop()
        if key in seen:
            continue
        seen.add(key)
        order.append(key)
        prefix[key] = guides + branch
        kids = ordered(children.get(key, []))
        depth = (len(guides) + len(branch)) // 2
        below = guides + (("" if not branch else (GAP if branch == LAST else PIPE)) if depth < MAX_INDENT else "")
        for n, kid in enumerate(reversed(kids)):
            stack.append((kid, below, LAST if n == 0 else BRANCH))
    return order, prefix
