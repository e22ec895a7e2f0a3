"""Per-CPU facts from ``/sys/devices/system/cpu``: frequency and thermal throttling.

- ``cpuN/cpufreq/scaling_cur_freq`` is in kHz (Documentation/admin-guide/pm/cpufreq.rst).
- ``cpuN/thermal_throttle/{core,package}_throttle_count`` exist on x86 with the
  therm_throt driver (Documentation/ABI/testing/sysfs-devices-system-cpu).
"""

from __future__ import annotations

from dataclasses import dataclass

from edgetop.sources.fs import SysFS


@dataclass(frozen=True, slots=True)
class CpuSysfs:
    """Frequency and throttle counters of one CPU; None where the kernel has no file."""

    name: str
    frequency_hertz: float | None
    core_throttle_count_total: int | None
    package_throttle_count_total: int | None


def read_cpu_sysfs(fs: SysFS, name: str) -> CpuSysfs:
    """Read the sysfs facts of CPU ``name`` (``cpu3``)."""
    base = f"devices/system/cpu/{name}"
    khz = fs.read_int(f"{base}/cpufreq/scaling_cur_freq")
    return CpuSysfs(
        name=name,
        frequency_hertz=khz * 1000.0 if khz is not None else None,
        core_throttle_count_total=fs.read_int(f"{base}/thermal_throttle/core_throttle_count"),
        package_throttle_count_total=fs.read_int(f"{base}/thermal_throttle/package_throttle_count"),
    )
