"""What the sensors collector remembers between runs: sensors that vanished, last values.

A sensor whose files disappear (a driver unloaded, a drive pulled, a chip that fell off
its bus) must not silently leave the list, taking its alert with it: it stays, marked
``gone`` with its last value and when that was read, and raises its own alert, until it
returns or :data:`GONE_FOR_SECONDS` pass. A sensor that comes back under another hwmon
number (drivers are renumbered on reload) counts as returned: same chip, device, label
and kind.

A sensor present but not answering (slow, error) keeps its last value beside it too,
and its label when the hung read was the label's.
"""

from __future__ import annotations

import msgspec

from edgetop.collectors.sensor_types import Sensor, SensorsReading

# Long enough for a technician to notice; bounded so a retired chip stops alerting.
GONE_FOR_SECONDS = 3600.0
MAX_GONE = 256  # a machine losing more at once is an outage, not a list to keep


class _Seen(msgspec.Struct):
    sensor: Sensor  # as last listed
    present_at: float  # when it was last listed
    value: float | None  # its last value (°C or RPM)
    value_at: float | None  # when that value was read


def _value(s: Sensor) -> float | None:
    return s.celsius if s.kind == "temp" else s.rpm


def _name(s: Sensor) -> tuple[str, str, str | None, str, str]:
    """What a technician calls the sensor, whatever its hwmon number."""
    return s.source, s.chip, s.device, s.label, s.kind


def _with_last(s: Sensor, value: float | None, at: float | None) -> Sensor:
    if s.kind == "temp":
        return msgspec.structs.replace(s, last_celsius=value, last_seen_timestamp=at)
    return msgspec.structs.replace(s, last_rpm=value, last_seen_timestamp=at)


def _recall(s: Sensor, seen: _Seen) -> Sensor:
    """A sensor without a value now, with its last one (and its label, if that read failed too)."""
    generic = s.id.rsplit("/", 1)[-1]
    if s.label == generic and seen.sensor.label != generic:
        s = msgspec.structs.replace(s, label=seen.sensor.label)
    return _with_last(s, seen.value, seen.value_at)


class SensorMemory:
    """Carries sensors across runs; :meth:`update` returns the reading with gone sensors added."""

    def __init__(self) -> None:
        """Remember nothing yet."""
        self._seen: dict[str, _Seen] = {}

    def remembers(self) -> bool:
        """True when some sensor was seen (so an empty machine is an outage, not a VM)."""
        return bool(self._seen)

    def update(self, reading: SensorsReading, now: float) -> SensorsReading:
        """Record ``reading`` (taken at wall time ``now``) and add the sensors that vanished."""
        out: list[Sensor] = []
        for current in reading.sensors:
            seen = self._seen.get(current.id)
            value = _value(current)
            if current.status == "ok" and value is not None:
                self._seen[current.id] = _Seen(current, now, value, now)
                out.append(current)
            elif seen is None:
                self._seen[current.id] = _Seen(current, now, None, None)
                out.append(current)
            else:
                kept = _recall(current, seen)
                self._seen[current.id] = _Seen(kept, now, seen.value, seen.value_at)
                out.append(kept)
        present = {s.id for s in reading.sensors}
        names = {_name(s) for s in out}
        gone: list[_Seen] = []
        for sid, seen in list(self._seen.items()):
            if sid in present:
                continue
            if now - seen.present_at > GONE_FOR_SECONDS or _name(seen.sensor) in names:
                del self._seen[sid]
                continue
            gone.append(seen)
        gone.sort(key=lambda g: -g.present_at)
        for seen in gone[MAX_GONE:]:
            del self._seen[seen.sensor.id]
        for seen in sorted(gone[:MAX_GONE], key=lambda g: g.sensor.id):
            vanished = _with_last(msgspec.structs.replace(
                seen.sensor, celsius=None, rpm=None, alarm=None, throttle_count_total=None, status="gone",
                reason="vanished: its files are gone", gone=True,
            ), seen.value, seen.value_at)
            out.insert(_place(out, vanished), vanished)
        return SensorsReading(tuple(out))


def _place(sensors: list[Sensor], vanished: Sensor) -> int:
    """Where a vanished sensor goes: among its chip's channels in their order, else last."""
    if "/" not in vanished.id:  # a thermal zone, or a whole chip gone: at the end
        return len(sensors)
    prefix = vanished.id.rsplit("/", 1)[0] + "/"
    same = [n for n, s in enumerate(sensors) if s.id.startswith(prefix)]
    if not same:
        return len(sensors)
    before = [n for n in same if _order(sensors[n].id) < _order(vanished.id)]
    return before[-1] + 1 if before else same[0]


def _order(sensor_id: str) -> tuple[bool, int]:
    """A chip's channel order as hwmon lists it: temperatures first, then by number."""
    tail = sensor_id.rsplit("/", 1)[-1]
    digits = tail.lstrip("abcdefghijklmnopqrstuvwxyz_")
    return not tail.startswith("temp"), int(digits) if digits.isdigit() else 0
