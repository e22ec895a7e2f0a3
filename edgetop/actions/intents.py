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


Intent = RestartService | PinProcess | PinVcpu

# Action names (Textual ``action_*`` names and binding ids) that mutate the node. Read-only
# and kiosk modes hide and refuse every one of them (docs/ARCHITECTURE.md).
MUTATING_ACTIONS: frozenset[str] = frozenset({"restart_service", "pin_process", "pin_vcpu"})
