"""Where unexpected errors go: a log file, never the screen."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path

_configured: Path | None = None


def default_log_path() -> Path:
    """``$XDG_STATE_HOME/edgetop/edgetop.log`` (``~/.local/state/edgetop/edgetop.log``)."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "edgetop" / "edgetop.log"


def log_path() -> Path:
    """The log file in use."""
    return _configured or default_log_path()


def _open(target: Path) -> logging.Handler:
    # 0700 applies to the directory edgetop creates (its own state directory), not to a
    # parent the user named that exists already.
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return logging.FileHandler(target, encoding="utf-8")


def _fallback(failed: Path) -> tuple[Path, logging.Handler] | None:
    """A private place to log to: the default state file, else a new 0700 directory.

    Never a fixed name in a shared directory: ``/tmp/edgetop-0.log`` could be a symlink
    another user planted, and root would then append to wherever it points.
    """
    default = default_log_path()
    if default != failed:
        try:
            return default, _open(default)
        except OSError:
            pass
    try:
        private = Path(tempfile.mkdtemp(prefix="edgetop-"))  # mode 0700, a name nobody could guess
        target = private / "edgetop.log"
        return target, logging.FileHandler(target, encoding="utf-8")
    except OSError:
        return None


def setup_logging(path: str | None = None, level: int = logging.INFO) -> Path:
    """Send log records to ``path`` (or the default).

    When that cannot be written, one line on stderr names it and the reason, and records
    go to a private file instead (see ``_fallback``); if there is none, they are dropped
    (said on stderr too): a traceback must never reach the TUI's screen.
    """
    global _configured  # noqa: PLW0603 - one process-wide log destination
    target = Path(path) if path else default_log_path()
    handler: logging.Handler
    try:
        handler = _open(target)
    except OSError as err:
        reason = err.strerror or str(err)
        found = _fallback(target)
        if found is None:
            print(f"edgetop: warning: cannot write the log file {target}: {reason}; nor a private "
                  "temporary one: unexpected errors will not be recorded", file=sys.stderr)
            handler = logging.NullHandler()
        else:
            print(f"edgetop: warning: cannot write the log file {target}: {reason}; logging to {found[0]} "
                  "instead", file=sys.stderr)
            target, handler = found
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    _configured = target
    return target
