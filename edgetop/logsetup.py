"""Where unexpected errors go: a log file, never the screen."""

from __future__ import annotations

import logging
import os
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


def setup_logging(path: str | None = None, level: int = logging.INFO) -> Path:
    """Send log records to ``path`` (or the default); fall back to /tmp if unwritable."""
    global _configured  # noqa: PLW0603 - one process-wide log destination
    target = Path(path) if path else default_log_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(target, encoding="utf-8")
    except OSError:
        target = Path(tempfile.gettempdir()) / f"edgetop-{os.getuid()}.log"
        handler = logging.FileHandler(target, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    _configured = target
    return target
