"""``edgetop check``: one sample of the set-up facts, every check, as a table or JSON, and the exit code.

It runs the ``checks`` collector and the collectors whose verdicts the time, network and
storage checks reuse (``network``, ``ntp``, ``storage``) once, like ``snapshot`` does, and never changes the
node. Exit codes (README "Checking the node's set-up"): 0 nothing warns or fails, 1 a
warning, 2 a failure; 3 when the checks could not run at all (a bad flag or config), so
that a provisioning script never reads "the config is broken" as "the node failed".
"""

from __future__ import annotations

import shutil
import textwrap
import time
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from typing import Any

from edgetop.collectors.checks.collector import CATALOGUE
from edgetop.collectors.processes import printable
from edgetop.engine.checks_join import node_checks
from edgetop.engine.lanes import Engine
from edgetop.model.checks import Check, CheckStatus, counts, exit_code
from edgetop.model.spec import CollectorSpec, Context

# The collectors ``edgetop check`` runs: its own, and those whose verdicts it reuses.
MODULES = ("edgetop.collectors.checks.collector", "edgetop.collectors.network", "edgetop.collectors.ntp",
           "edgetop.collectors.storage")
SCHEMA_VERSION = 1
_SHOWN = {CheckStatus.PASS: "pass", CheckStatus.WARN: "WARN", CheckStatus.FAIL: "FAIL",
          CheckStatus.UNKNOWN: "unknown"}


def matches(check_id: str, pattern: str) -> bool:
    """``--only`` matching: the id itself, its area (``virt``), or a shell pattern (``guests.*``)."""
    return check_id == pattern or check_id.split(".", 1)[0] == pattern or fnmatchcase(check_id, pattern)


def unmatched(patterns: Sequence[str]) -> list[str]:
    """The ``--only`` patterns that name no check at all (a typo must not pass silently)."""
    return [p for p in patterns if not any(matches(c.id, p) for c in CATALOGUE)]


def select(checks: Iterable[Check], patterns: Sequence[str] | None) -> list[Check]:
    """The checks ``--only`` asks for (all of them without it), in catalogue order."""
    return [c for c in checks if not patterns or any(matches(c.id, p) for p in patterns)]


async def collect_checks(ctx: Context, specs: list[CollectorSpec]) -> tuple[Check, ...]:
    """Run ``specs`` once and return every check over what they read."""
    engine = Engine(ctx, specs)
    try:
        await engine.collect_round()
        return node_checks(engine.store.samples())
    finally:
        engine.close()


def report_json(checks: Sequence[Check]) -> dict[str, Any]:
    """``edgetop check --json``: the checks as in the snapshot, their counts and the exit code."""
    return {"schema_version": SCHEMA_VERSION, "timestamp": time.time(), "checks": [c.to_json() for c in checks],
            "counts": counts(checks), "exit_code": exit_code(checks)}


def render_table(checks: Sequence[Check], width: int | None = None) -> str:
    """A table a technician reads: status, id, evidence, and the fix under each check that needs one.

    Text from the node (guest names, log lines) is shown with control characters replaced,
    so that nothing it holds can drive the terminal.
    """
    width = max(60, width or shutil.get_terminal_size((100, 24)).columns)
    id_width = max([len("CHECK"), *(len(c.id) for c in checks)])
    indent = 8 + id_width + 2
    text_width = max(20, width - indent)
    lines = [f"{'STATUS':<8}{'CHECK':<{id_width}}  EVIDENCE"]
    for c in checks:
        # Not at hyphens: paths and names (/work/wt-checks, e1000e) stay whole on their line.
        body = textwrap.wrap(printable(c.evidence), text_width, break_on_hyphens=False) or [""]
        if c.fix:
            body += textwrap.wrap(f"fix: {printable(c.fix)}", text_width, subsequent_indent="     ",
                                  break_on_hyphens=False)
        lines.append(f"{_SHOWN[c.status]:<8}{c.id:<{id_width}}  {body[0]}")
        lines.extend(" " * indent + rest for rest in body[1:])
    n = counts(checks)
    lines.append("")
    lines.append(f"{len(checks)} checks: {n['pass']} pass, {n['warn']} warn, {n['fail']} fail, {n['unknown']} unknown "
                 f"(exit {exit_code(checks)})")
    return "\n".join(lines) + "\n"
