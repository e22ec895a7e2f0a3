"""libvirt storage pools and guest disks over libvirt's test driver (no daemon), and the pool XML parser."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgetop.collectors import libvirt_storage as mod
from edgetop.collectors.libvirt_storage import (
    DomainDisk,
    Pool,
    StorageCollector,
    StorageReading,
    disk_targets,
    parse_pool_xml,
    pool_from_info,
)
from edgetop.config_schema import Config
from edgetop.demo import DEMO_DIR, demo_context
from edgetop.errors import ParseError, SourceUnavailable
from edgetop.model.alerts import Severity
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.sources.libvirt_conn import LibvirtConnection

DEMO_URI = f"test://{(DEMO_DIR / 'libvirt' / 'node.xml').resolve()}"


def test_the_default_test_node_has_its_default_pool_and_disk_errors() -> None:
    conn = LibvirtConnection("test:///default")
    pools = StorageCollector(conn, pools=True)()
    (pool,) = pools.pools
    assert (pool.name, pool.state, pool.pool_type, pool.target_path) == ("default-pool", "running", "dir",
                                                                          "/default-pool")
    assert pool.capacity_bytes == 100 * 1024**3 and pool.allocation_bytes == 0 and pool.used_ratio == 0.0
    disks = StorageCollector(conn, pools=False)()
    (disk,) = disks.disks
    # The test driver reports an error on every disk (virDomainGetDiskErrors: VIR_DOMAIN_DISK_ERROR_UNSPEC first).
    assert (disk.domain, disk.target, disk.source, disk.error) == ("test", "vda", "/guest/diskimage1", "I/O error")
    (alert,) = mod.alerts(disks, Config())
    assert alert.severity is Severity.CRITICAL and alert.source == "domain_disks" and alert.subject == "test/vda"


def test_demo_pools_allocation_comes_from_their_volumes() -> None:
    view = StorageCollector(LibvirtConnection(DEMO_URI), pools=True)()
    pools = {p.name: p for p in view.pools}
    assert pools["images"].allocation_bytes == 88 * 1024**3 and pools["images"].target_path == "/var/lib/libvirt/images"
    (alert,) = mod.alerts(view, Config())
    assert alert.subject == "images" and alert.severity is Severity.WARNING and "88%" in alert.message
    assert {m.full_name for m in mod.metrics(view)} >= {"libvirt_storage_pool_capacity_bytes",
                                                    "libvirt_storage_pool_allocation_bytes",
                                                    "libvirt_storage_pool_available_bytes"}
    assert mod.pools_json(view)[0]["used_ratio"] == pytest.approx(0.88)


def test_demo_keeps_one_guest_disk_error(tmp_path: Path) -> None:
    ctx = demo_context(Config(), ProcFS(tmp_path), SysFS(tmp_path))
    spec = next(s for s in mod.specs(ctx) if s.name == "domain_disks")
    collect = ctx.adapters["domain_disks"](spec.build(ctx))
    view = collect()
    assert [(d.domain, d.target, d.error) for d in view.disks if d.error] == [("db-postgres", "vdb", "no space left")]
    assert len(view.disks) == 11  # the running and paused guests' disks; the shut-off one has none running


def test_an_unreachable_hypervisor_is_unavailable() -> None:
    with pytest.raises(SourceUnavailable, match="cannot connect"):
        StorageCollector(LibvirtConnection("test:///nonexistent-edgetop.xml"), pools=True)()


@pytest.mark.parametrize(("xml", "expected"), [
    ("<pool type='logical'><name>vg</name><target><path>/dev/vg0</path></target></pool>", ("logical", "/dev/vg0")),
    ("<pool type='rbd'><name>ceph</name></pool>", ("rbd", None)),
])
def test_pool_xml(xml: str, expected: tuple[str, str | None]) -> None:
    assert parse_pool_xml(xml) == expected


@pytest.mark.parametrize("xml", ["", "<domain/>", "<!DOCTYPE x [<!ENTITY a 'b'>]><pool/>", "<pool"])
def test_bad_pool_xml(xml: str) -> None:
    with pytest.raises(ParseError):
        parse_pool_xml(xml)


def test_pool_info_with_odd_values_is_unknown_not_an_error() -> None:
    p = pool_from_info("x", [0, -1, "a"], None)
    assert p == Pool("x", "inactive", None, None, None, None, None) and p.used_ratio is None


def test_disk_targets_skip_cdroms() -> None:
    xml = ("<domain><devices><disk device='cdrom'><target dev='sda'/></disk>"
           "<disk type='block' device='disk'><source dev='/dev/vg/x'/><target dev='vdb'/></disk>"
           "<disk type='network' device='disk'><source name='pool/img'/><target dev='vdc'/></disk></devices></domain>")
    assert disk_targets(xml) == [("vdb", "/dev/vg/x"), ("vdc", "pool/img")]


def test_paused_on_io_error_is_said() -> None:
    view = StorageReading((), (DomainDisk("db", "vdb", "/img", "no space left", True),))
    (alert,) = mod.alerts(view, Config())
    assert alert.message == "db disk vdb: no space left, guest paused"


def test_a_domain_xml_with_a_dtd_is_refused_before_parsing() -> None:
    with pytest.raises(ParseError, match="DTD"):
        disk_targets("<!DOCTYPE d [<!ENTITY a 'aaaa'>]><domain><devices/></domain>")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/='\" poltargehdvicesknm!DOCTYPE")), max_size=200))
def test_xml_parsers_raise_only_parse_errors(text: str) -> None:
    for parse in (parse_pool_xml, disk_targets):
        with contextlib.suppress(ParseError):
            parse(text)
