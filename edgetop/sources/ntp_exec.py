"""Run the time tools (chronyc, ntpq, timedatectl, pmc): argv lists, a timeout, no shell.

A missing binary, a timeout or a tool that cannot reach its daemon is an *absent
source* (:class:`~edgetop.errors.SourceUnavailable`), said in words, never an error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

from edgetop.errors import SourceUnavailable

# A tool may print a lot on a broken host (ntpq -pn with hundreds of peers); cap what we keep.
MAX_OUTPUT_CHARS = 1_000_000


@dataclass(frozen=True, slots=True)
class ToolOutput:
    """What a tool printed and how it exited."""

    stdout: str
    stderr: str
    returncode: int


def run_tool(argv: list[str], timeout: float) -> ToolOutput:
    """Run ``argv`` (no shell) and return its output.

    The C locale keeps numbers and messages in the form the parsers expect.

    Raises:
        SourceUnavailable: the binary is not installed, cannot be run, or exceeded ``timeout``.

    """
    tool = argv[0]
    if shutil.which(tool) is None:
        raise SourceUnavailable(f"{tool} not installed")
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    try:
        proc = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, env=env, check=False, errors="replace"
        )
    except subprocess.TimeoutExpired as err:
        raise SourceUnavailable(f"{tool} gave no answer within {timeout:g} s") from err
    except OSError as err:
        raise SourceUnavailable(f"cannot run {tool}: {err.strerror or err}") from err
    return ToolOutput(proc.stdout[:MAX_OUTPUT_CHARS], proc.stderr[:MAX_OUTPUT_CHARS], proc.returncode)


def first_line(text: str) -> str:
    """Return the first non-empty line of ``text``, stripped (for error messages)."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""
