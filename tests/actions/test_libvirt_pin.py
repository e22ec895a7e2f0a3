"""Real vCPU pinning through the libvirt test driver.

The test driver rejects ``pinVcpuFlags(VIR_DOMAIN_AFFECT_LIVE)`` ("unsupported flags
(0x1)"), so these tests exercise the backend's documented fallback to ``virDomainPinVcpu``
(the live-domain API); on QEMU/KVM the LIVE call itself succeeds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libvirt
import pytest

from edgetop.actions.audit import AuditLog
from edgetop.actions.backends.deny import DenyBackend
from edgetop.actions.backends.host import HostBackend
from edgetop.actions.backends.libvirt_pin import LibvirtPinBackend
from edgetop.actions.intents import PinVcpu
from edgetop.actions.policy import Credentials
from edgetop.actions.runner import Runner
from edgetop.config_schema import Config
from edgetop.errors import ActionDenied, ActionFailed

ROOT = Credentials(0, 0, frozenset({0}), (1 << 41) - 1)

NODE_XML = """<node>
  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>edge-vm</name><memory>524288</memory><vcpu>2</vcpu>
    <os><type>hvm</type></os>
  </domain>
  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>sleeper</name><memory>524288</memory><vcpu>1</vcpu>
    <os><type>hvm</type></os>
    <test:runstate>5</test:runstate>
  </domain>
</node>
"""


@pytest.fixture
def default_test_domain() -> Iterator[Any]:
    """The shared ``test:///default`` domain, its vCPU 1 restored to every CPU afterwards."""
    conn = libvirt.open("test:///default")
    dom = conn.lookupByName("test")
    yield dom
    ncpus = conn.getCPUMap()[0]
    dom.pinVcpu(1, (True,) * ncpus)
    conn.close()


def test_pin_vcpu_through_the_runner_and_read_back_elsewhere(default_test_domain: Any, tmp_path: Path) -> None:
    opened: list[str] = []

    def opener(uri: str) -> Any:
        opened.append(uri)
        return libvirt.open(uri)

    backend = HostBackend(timeout=5, libvirt_uri="test:///default")
    backend.libvirt.opener = opener
    runner = Runner(Config(), read_only=False, backend=backend, credentials=ROOT, libvirt_uri="test:///default",
                    audit=AuditLog(tmp_path / "audit.log", syslog_path=None))
    intent = PinVcpu("test", 1, frozenset({2}))
    assert runner.refusal(intent) is None
    assert opened == []  # describing and checking open nothing
    assert "VIR_DOMAIN_AFFECT_LIVE" in runner.describe(intent)
    result = runner.run(intent)
    assert opened == ["test:///default"]
    assert result.summary == "test vCPU 1 now on host CPUs 2"
    assert dict(result.state)["api"] == "virDomainPinVcpu"  # the test driver's fallback
    # Read back through a connection of our own (state is shared within the process).
    cpumaps = default_test_domain.vcpus()[1]
    assert [i for i, on in enumerate(cpumaps[1]) if on] == [2]
    assert 'outcome="success"' in (tmp_path / "audit.log").read_text()


@pytest.fixture
def node_uri(tmp_path: Path) -> str:
    path = tmp_path / "node.xml"
    path.write_text(NODE_XML)
    return f"test://{path}"


def test_pin_on_private_node(node_uri: str) -> None:
    result = LibvirtPinBackend(node_uri).pin(PinVcpu("edge-vm", 0, frozenset({0, 2})))  # the test node has 0,2,4 online
    assert result.summary == "edge-vm vCPU 0 now on host CPUs 0,2"


@pytest.mark.parametrize(("intent", "message"), [
    (PinVcpu("nope", 0, frozenset({0})), "no domain 'nope'"),
    (PinVcpu("sleeper", 0, frozenset({0})), "not running"),
    (PinVcpu("edge-vm", 2, frozenset({0})), "has 2 vCPU"),
    (PinVcpu("edge-vm", 0, frozenset({999})), "host CPU 999 not online"),
])
def test_hypervisor_facts_refuse(node_uri: str, intent: PinVcpu, message: str) -> None:
    with pytest.raises(ActionDenied, match=message):
        LibvirtPinBackend(node_uri).pin(intent)


def test_unreachable_hypervisor_fails_with_libvirt_text() -> None:
    with pytest.raises(ActionFailed, match="cannot open a read-write connection"):
        LibvirtPinBackend("test:///nonexistent/path.xml").pin(PinVcpu("x", 0, frozenset({0})))


def test_read_only_never_opens_a_read_write_connection(tmp_path: Path) -> None:
    opened: list[str] = []
    backend = HostBackend(timeout=5, libvirt_uri="test:///default")
    backend.libvirt.opener = opened.append
    runner = Runner(Config(), read_only=True, backend=backend, credentials=ROOT,
                    audit=AuditLog(tmp_path / "audit.log", syslog_path=None))
    assert isinstance(runner.backend, DenyBackend)
    intent = PinVcpu("test", 0, frozenset({0}))
    reason = runner.refusal(intent)
    assert reason is not None and "read-only" in reason
    with pytest.raises(ActionDenied, match="read-only"):
        runner.run(intent)
    with pytest.raises(ActionDenied):
        runner.backend.execute(intent)  # the third layer, reached directly
    assert opened == []
    assert not (tmp_path / "audit.log").exists()


def test_system_uri_needs_libvirt_group(tmp_path: Path) -> None:
    user = Credentials(1000, 1000, frozenset({1000}), 0)
    runner = Runner(Config(), read_only=False, credentials=user, libvirt_uri="qemu:///system",
                    audit=AuditLog(tmp_path / "audit.log", syslog_path=None))
    reason = runner.refusal(PinVcpu("vm", 0, frozenset({0})))
    assert reason is not None and "'libvirt' group" in reason
