"""``--demo``: bundled recordings that stand in for the sources this host lacks.

:func:`demo_context` builds the collectors' context with recordings in place of some of
this host's sources, so that every pane has something to show on any machine: a libvirt
test-driver node whose counters move, a sysfs and procfs tree with sensors and a faulty
bond, recorded chronyc and systemctl answers, recorded SNMP polls. CPU, memory and
processes stay this host's. The collectors read whatever their context gives them and
never know which it is; the context's ``stand_in`` makes every action refuse.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path

from edgetop.config_schema import Config, SnmpTarget
from edgetop.demo.commands import RecordedCommands
from edgetop.demo.snmp_recorded import RecordedPoller, load_targets
from edgetop.demo.storage import MovingDisks, OneDiskError, RecordedStatvfs
from edgetop.demo.sysfs_links import sysfs_root
from edgetop.model.spec import Collect, Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.sources.snmp_poll import SnmpPoller

DEMO_DIR = Path(__file__).resolve().parent
STAND_IN = "demo mode (--demo)"
# A copy of this directory with some recordings changed (a healthy bond, a cool sensor) is
# another demo node: the fleet's tests run several ``edgetop serve --demo`` that differ.
DEMO_DIR_ENV = "EDGETOP_DEMO_DIR"


def demo_dir(env: Mapping[str, str] | None = None) -> Path:
    """The demo's recordings: ``$EDGETOP_DEMO_DIR`` when set (a changed copy of the bundled ones), else bundled."""
    chosen = (os.environ if env is None else env).get(DEMO_DIR_ENV)
    return Path(chosen).resolve() if chosen else DEMO_DIR


def demo_config(config: Config, demo_dir: Path = DEMO_DIR) -> Config:
    """``config`` with the demo's hypervisor, SNMP targets and no SNTP servers (no traffic leaves the host)."""
    targets = tuple(t for t, _ in load_targets(demo_dir))
    return dataclasses.replace(
        config,
        libvirt=dataclasses.replace(config.libvirt, uri=f"test://{(demo_dir / 'libvirt' / 'node.xml').resolve()}"),
        snmp=dataclasses.replace(config.snmp, targets=targets),
        ntp=dataclasses.replace(config.ntp, servers=()),
    )


def demo_context(config: Config, procfs: ProcFS | None = None, sysfs: SysFS | None = None,
                 demo_dir: Path = DEMO_DIR) -> Context:
    """The collectors' context for ``--demo``: this host's CPU, memory and processes, recordings for the rest."""
    records = {t.name: record for t, record in load_targets(demo_dir)}

    def recorded_poller(target: SnmpTarget) -> SnmpPoller:
        return RecordedPoller(records[target.name])

    # The guests' and disks' adapters import the libvirt and storage collectors (and msgspec):
    # imported when those collectors are built, after the first frame, as without --demo.
    def moving_domains(collect: Collect) -> Collect:
        from edgetop.demo.domains import MovingDomains
        return MovingDomains(collect)

    return Context(
        config=demo_config(config, demo_dir),
        procfs=procfs or ProcFS(config.procfs),
        sysfs=sysfs or SysFS(config.sysfs),
        devices_procfs=ProcFS(demo_dir / "procfs"),
        devices_sysfs=SysFS(sysfs_root(demo_dir)),
        host_root=demo_dir / "root",
        run=RecordedCommands(demo_dir),
        snmp_poller=recorded_poller,
        adapters={"domains": moving_domains, "disks": MovingDisks, "domain_disks": OneDiskError},
        stand_in=STAND_IN,
        statvfs=RecordedStatvfs(demo_dir),
    )
