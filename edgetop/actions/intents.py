"""Intents: what the UI asks for. Only ``actions/runner.py`` executes one."""

from __future__ import annotations

import msgspec


class RestartService(msgspec.Struct, frozen=True):
    """Restart one service unit (``systemctl restart -- UNIT``)."""

    unit: str


class PinProcess(msgspec.Struct, frozen=True):
    """Set the CPU affinity of every thread of a process."""

    pid: int
    cpus: frozenset[int]


class PinVcpu(msgspec.Struct, frozen=True):
    """Pin one vCPU of a libvirt domain to a set of host CPUs (live)."""

    domain: str
    vcpu: int
    cpus: frozenset[int]


class SignalProcess(msgspec.Struct, frozen=True):
    """Send ``signal`` (``TERM`` or ``KILL``) to one process.

    The process is named by its pid *and* its start time (``/proc/PID/stat`` field 22,
    clock ticks after boot): a pid the kernel reused for another process since the row
    was shown does not match, and nothing is sent.
    """

    pid: int
    start_ticks: int
    signal: str


class ReniceProcess(msgspec.Struct, frozen=True):
    """Set the nice value (-20..19) of every thread of one process (pid and start time, as above)."""

    pid: int
    start_ticks: int
    nice: int


Intent = RestartService | PinProcess | PinVcpu | SignalProcess | ReniceProcess

# Action names (Textual ``action_*`` names and binding ids) that mutate the node. Read-only
# and kiosk modes hide and refuse every one of them (docs/ARCHITECTURE.md).
MUTATING_ACTIONS: frozenset[str] = frozenset({"restart_service", "pin_process", "pin_vcpu", "signal_process",
                                              "renice_process"})
