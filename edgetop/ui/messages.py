"""Typed messages from the engine's lanes to the UI."""

from __future__ import annotations

from textual.message import Message

from edgetop.engine.store import Sample


class SampleArrived(Message):
    """A collector produced a new sample. A newer one replaces a queued older one."""

    def __init__(self, sample: Sample) -> None:
        """Carry ``sample``."""
        super().__init__()
        self.sample = sample

    def can_replace(self, message: Message) -> bool:
        """Coalesce queued samples of the same collector: only the newest matters."""
        return isinstance(message, SampleArrived) and message.sample.spec.name == self.sample.spec.name
