"""Intents: what the UI asks for. Only ``actions/runner.py`` executes one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RestartService:
    """Restart one service unit (``systemctl restart -- UNIT``)."""

    unit: str


@dataclass(frozen=True, slots=True)
class PinProcess:
    """Set the CPU affinity of every thread of a process."""

    pid: int
    cpus: frozenset[int]


@dataclass(frozen=True, slots=True)
class PinVcpu:
    """Pin one vCPU of a libvirt domain to a set of host CPUs (live)."""

    domain: str
    vcpu: int
    cpus: frozenset[int]


@dataclass(frozen=True, slots=True)
class SignalProcess:
    """Send ``signal`` (``TERM`` or ``KILL``) to one process.

    The process is named by its pid *and* its start time (``/proc/PID/stat`` field 22,
    clock ticks after boot): a pid the kernel reused for another process since the row
    was shown does not match, and nothing is sent.
    """

    pid: int
    start_ticks: int
    signal: str


@dataclass(frozen=True, slots=True)
class ReniceProcess:
    """Set the nice value (-20..19) of every thread of one process (pid and start time, as above)."""

    pid: int
    start_ticks: int
    nice: int


Intent = RestartService | PinProcess | PinVcpu | SignalProcess | ReniceProcess

# Action names (Textual ``action_*`` names and binding ids) that mutate the node. Read-only
# and kiosk modes hide and refuse every one of them (docs/ARCHITECTURE.md).
MUTATING_ACTIONS: frozenset[str] = frozenset({"restart_service", "pin_process", "pin_vcpu", "signal_process",
                                              "renice_process"})
