"""Recorded answers of the tools the collectors run, standing in for this host's programs with ``--demo``.

A :class:`RecordedCommands` is the demo context's ``run``: ``chronyc`` answers with a recorded
``chronyc -c`` session, ``systemctl show`` with recorded unit blocks, ``dmesg`` with a
recorded kernel log (for the set-up checks) and ``smartctl --json`` with real recordings of
the demo's disks (``storage/smartctl``), so the real parsers read them; any other tool is
"not installed" here, as it would be on a node without it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from edgetop.errors import ParseError
from edgetop.model.units import normalize_unit
from edgetop.sources.process import Completed, ToolMissing

# The recorded units' entry times are monotonic; the demo node booted this long ago.
UPTIME_SECONDS = 3 * 86400.0


class RecordedCommands:
    """Answers ``chronyc``, ``systemctl show``, ``dmesg`` and ``smartctl`` from the files under ``demo/``."""

    def __init__(self, demo_dir: Path, wall: Callable[[], float] = time.time) -> None:
        """Answer from the recordings under ``demo_dir``; ``wall`` dates the recorded units."""
        self._dir = demo_dir
        self._wall = wall

    def installed(self, tool: str) -> bool:
        """Only the recorded tools are "installed"."""
        return tool in ("chronyc", "systemctl", "dmesg", "smartctl")

    def __call__(self, argv: Sequence[str], timeout: float) -> Completed:
        """Replay the recording for ``argv``.

        Raises:
            ToolMissing: the demo holds no recording of this tool.

        """
        args = tuple(argv)
        if args[0] == "chronyc":
            return Completed(args, 0, self._read("ntp/chronyc.csv"), "")
        if args == ("dmesg",):
            return Completed(args, 0, self._read("kernel/dmesg.txt"), "")
        if args[0] == "smartctl" and args[-1].startswith("/dev/"):
            return self._smartctl(args)
        if args[:2] == ("systemctl", "show") and "--" in args:
            return Completed(args, 0, self._units(list(args[args.index("--") + 1:])), "")
        raise ToolMissing(args, f"{args[0]}: no recording of it in the demo")

    def _smartctl(self, args: tuple[str, ...]) -> Completed:
        """A recorded ``smartctl --json`` answer; a device without one cannot be opened, as smartctl says."""
        device = args[-1].removeprefix("/dev/")
        path = self._dir / "storage" / "smartctl" / f"{device}.json"
        if "/" in device or not path.is_file():
            answer = {"smartctl": {"exit_status": 2, "messages": [
                {"string": f"Smartctl open device: {args[-1]} failed: No such device", "severity": "error"}]}}
            return Completed(args, 2, json.dumps(answer), "")
        text = path.read_text(encoding="utf-8")
        status = json.loads(text).get("smartctl", {}).get("exit_status", 0)
        return Completed(args, int(status), text, "")

    def _read(self, name: str) -> str:
        try:
            return (self._dir / name).read_text(encoding="utf-8")
        except OSError as err:
            raise ToolMissing((name,), f"demo recording {name} missing: {err.strerror}") from err

    def _units(self, names: list[str]) -> str:
        """One block per asked unit, in order, as ``systemctl show`` prints them.

        A unit that is not in the recording is ``LoadState=not-found``, as systemd says of
        a unit it does not know. Entry times become ``@EPOCH`` stamps (systemctl's
        ``--timestamp=unix`` form) from a boot ``UPTIME_SECONDS`` ago, so ages stay plausible.
        """
        by_id: dict[str, list[str]] = {}
        for block in self._read("services/systemctl-show.txt").split("\n\n"):
            lines = [ln for ln in block.splitlines() if ln.strip()]
            unit = next((ln.partition("=")[2] for ln in lines if ln.startswith("Id=")), None)
            if unit is None:
                raise ParseError("a recorded systemctl block has no Id=")
            by_id[unit] = lines
        boot = self._wall() - UPTIME_SECONDS
        out = []
        for name in names:
            unit = normalize_unit(name)
            lines = by_id.get(unit, [f"Id={unit}", "LoadState=not-found"])
            out.append("\n".join(_dated(lines, boot)))
        return "\n\n".join(out) + "\n"


def _dated(lines: list[str], boot: float) -> list[str]:
    props = dict(ln.partition("=")[::2] for ln in lines)
    mono = props.get("ActiveEnterTimestampMonotonic", "")
    if props.get("ActiveEnterTimestamp") or not mono.isdigit() or int(mono) == 0:
        return lines
    stamp = f"ActiveEnterTimestamp=@{boot + int(mono) / 1e6:.6f}"
    return [stamp if ln.startswith("ActiveEnterTimestamp=") else ln for ln in lines]
