"""The storage set-up checks are the Storage pane's alerts: over the demo's recordings and when a source is down."""

from __future__ import annotations

from pathlib import Path

from edgetop.collectors import storage
from edgetop.config_schema import Config
from edgetop.demo import demo_context
from edgetop.engine.checks_join import joined_checks
from edgetop.engine.store import Store
from edgetop.model.checks import CheckStatus
from edgetop.model.reading import Status
from edgetop.sources.fs import ProcFS, SysFS
from tests.helpers import reading


def test_checks_agree_with_the_panes_alerts(tmp_path: Path) -> None:
    ctx = demo_context(Config(), ProcFS(tmp_path), SysFS(tmp_path))
    store = Store(ctx.config)
    for spec in storage.specs(ctx):
        collect = spec.build(ctx)
        adapter = ctx.adapters.get(spec.name)
        store.update(spec, reading(spec.name, (adapter(collect) if adapter else collect)()))
    checks = {c.id: c for c in joined_checks(store.samples())}
    space, raid, smart = checks["storage.space"], checks["storage.raid"], checks["storage.smart"]
    # The demo: /data/scratch remounted read-only and a guest out of space (critical), images 87% full.
    assert space.status is CheckStatus.FAIL
    assert space.evidence.startswith("5 filesystems, 2 libvirt pools, 11 guest disks: ")
    for alert in store.alerts():
        if alert.source in ("filesystems", "storage_pools", "domain_disks"):
            assert alert.message in space.evidence or "more" in space.evidence
    assert raid.status is CheckStatus.FAIL and "md1 (raid1) is degraded" in raid.evidence
    assert smart.status is CheckStatus.WARN and "304 reallocated" in smart.evidence  # sdd


def test_a_source_down_is_unknown_with_its_reason() -> None:
    ctx = demo_context(Config(), ProcFS("/nonexistent"), SysFS("/nonexistent"))
    store = Store(ctx.config)
    smart_spec = next(s for s in storage.specs(ctx) if s.name == "smart")
    store.update(smart_spec, reading("smart", status=Status.UNAVAILABLE,
                                     reason="smartctl not installed (Debian, Ubuntu: apt install smartmontools)"))
    checks = {c.id: c for c in joined_checks(store.samples())}
    assert checks["storage.smart"].status is CheckStatus.UNKNOWN
    assert "apt install smartmontools" in checks["storage.smart"].evidence
    assert checks["storage.raid"].evidence == "the raid collector has not run"
