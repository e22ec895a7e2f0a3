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


def drop_frames(err: BaseException) -> None:
    """Let go of the frames an exception's traceback holds, and those of its causes.

    For an exception that is handled where only its text is kept (a reading's reason). Its
    traceback holds the frames it went through (the engine's ``_bounded``, asyncio's
    ``wait_for``, the worker's call), and those frames hold the futures that hold the
    exception: a reference cycle per failed collection, which only the cyclic garbage
    collector frees. With the young generation at ``GC_YOUNG_THRESHOLD`` (ui/app.py) that is
    rare, so each collector that says "not used" or "unavailable" every tick (the NTP tools
    absent here, an SNMP target down) piled up its frames, futures and locks: 2,900 of the
    9,600 objects a full collection found after two minutes of ``--demo --interval 0.5``.
    """
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = None
        current = current.__cause__ or current.__context__
