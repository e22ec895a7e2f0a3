"""The exception hierarchy every layer shares.

Collectors raise :class:`SourceUnavailable` when a source is absent (file missing,
permission denied, daemon down, module not installed, timeout); the engine turns it
into an ``unavailable`` reading. Anything else a collector raises becomes ``failed``.
"""

from __future__ import annotations


class EdgetopError(Exception):
    """Base class of every error edgetop raises on purpose."""


class ConfigError(EdgetopError):
    """A configuration file is invalid; the message names file, line and key path."""


class ParseError(EdgetopError):
    """Text from the kernel or a daemon did not have the expected shape."""


class SourceUnavailable(EdgetopError):
    """A data source is absent or unreachable; the message says why in plain words."""


class ActionDenied(EdgetopError):
    """An action was refused by policy (read-only, allowlist, validation)."""


class ActionFailed(EdgetopError):
    """An allowed action was attempted and did not succeed."""
