"""vCPU pinning with VIR_DOMAIN_AFFECT_LIVE on real KVM guests of a private session libvirtd.

Reuses the libvirt integration's private daemon (tests/integration/test_libvirtd_kvm.py:
virtlogd + session libvirtd as our children, tiny spinning guests). Skips, with its reason,
only where /dev/kvm is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

from edgetop.actions.audit import AuditLog
from edgetop.actions.backends.host import HostBackend
from edgetop.actions.intents import PinVcpu
from edgetop.actions.policy import Credentials
from edgetop.actions.runner import Runner
from edgetop.config_schema import Config
from edgetop.sources.libvirt_conn import load_libvirt
from tests.integration.test_libvirtd_kvm import GUESTS, PrivateLibvirtd, hypervisor  # noqa: F401

USER = Credentials(1000, 1000, frozenset({1000}), 0)  # a session URI needs no libvirt group


def test_live_pin_through_the_runner(hypervisor: tuple[PrivateLibvirtd, list[str]], tmp_path: Path) -> None:  # noqa: F811
    daemon, _ = hypervisor
    name, vcpus = GUESTS[2]
    assert vcpus == 2
    ncpu = os.cpu_count() or 1
    target = frozenset({ncpu - 1})
    backend = HostBackend(timeout=10, libvirt_uri=daemon.uri)
    runner = Runner(Config(), read_only=False, backend=backend, credentials=USER, libvirt_uri=daemon.uri,
                    audit=AuditLog(tmp_path / "audit.log", syslog_path=None))
    intent = PinVcpu(name, 1, target)
    assert runner.refusal(intent) is None
    result = runner.run(intent)
    assert backend.libvirt.last_api == "virDomainPinVcpuFlags(LIVE)"  # no fallback on QEMU
    assert dict(result.state)["affinity"] == str(ncpu - 1)
    lv = load_libvirt()
    conn = lv.open(daemon.uri)
    try:
        cpumap = conn.lookupByName(name).vcpuPinInfo(lv.VIR_DOMAIN_AFFECT_LIVE)[1]
        assert {i for i, on in enumerate(cpumap) if on} == target
    finally:
        conn.close()
    assert 'outcome="success"' in (tmp_path / "audit.log").read_text()
