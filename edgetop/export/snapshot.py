"""The JSON snapshot (edgetop/snapshot.schema.json): a contract — extend it, never rename."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from edgetop.engine.checks_join import joined_checks
from edgetop.engine.lanes import Engine
from edgetop.engine.store import Store, merge_sections
from edgetop.model.spec import CollectorSpec, Context

SCHEMA_VERSION = 1

# Every top-level section, with its empty value, in contract order.
SECTIONS: dict[str, Any] = {
    "host": {}, "cpu": {}, "memory": {}, "domains": [], "sensors": [], "network": {}, "snmp": [],
    "ntp": {}, "services": [], "processes": [], "checks": [],
}


def build_snapshot(store: Store, specs: list[CollectorSpec]) -> dict[str, Any]:
    """Assemble the snapshot from the latest samples in ``store``.

    A section whose collectors are unavailable is present and empty; its ``sources``
    entries say why. Only fresh views are used: a stale value is never presented as now.
    """
    samples = store.samples()
    parts: dict[str, list[Any]] = {key: [] for key in SECTIONS}
    sources: dict[str, Any] = {}
    empties: dict[str, Callable[[], Any]] = {}
    for spec in specs:
        if spec.json_key is None:  # kept inside edgetop (CPU topology): not part of the contract
            continue
        empties.setdefault(spec.json_key, spec.empty_json)
        sample = samples.get(spec.name)
        if sample is None:
            sources[spec.name] = {"status": "unavailable", "reason": "not collected yet", "duration_seconds": None}
            continue
        r = sample.reading
        sources[spec.name] = {"status": str(r.status), "reason": r.reason,
                              "duration_seconds": round(r.duration_seconds, 6)}
        if sample.view is not None:
            parts.setdefault(spec.json_key, []).append(spec.to_json(sample.view))
    # The time and network checks reuse those panes' views: joined here, after the collector's own.
    parts["checks"].append([c.to_json() for c in joined_checks(samples)])
    # What changed between samples (domains, services, clock steps, alerts): the engine's timeline.
    parts.setdefault("events", []).append(store.timeline.to_json(time.time()))
    out: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "timestamp": time.time()}
    for key, empty in SECTIONS.items():
        merged = merge_sections(parts.get(key, []))
        if merged is None:
            # The collector's own empty shape ({"interfaces": [], ...}) keeps the contract's
            # keys present for scripts; sections without a collector get a plain empty value.
            merged = empties[key]() if key in empties else (list(empty) if isinstance(empty, list) else dict(empty))
        out[key] = merged
    # Sections a newer collector adds, in the collectors' order whether or not each one is up
    # (a script or a diff of two snapshots sees the same order on every node), then the
    # engine's own (events). A collector's section is there even while it is down.
    extra = dict.fromkeys([*(spec.json_key for spec in specs if spec.json_key is not None), *parts])
    for key in extra:
        if key in out:
            continue
        out[key] = merge_sections(parts.get(key, []))
        if out[key] is None and key in empties:
            out[key] = empties[key]()
    now = store.alert_state.now
    out["alerts"] = [t.to_json(now) for t in store.tracked_alerts()]
    out["sources"] = sources
    return out


async def take_snapshot(ctx: Context, specs: list[CollectorSpec], interval: float) -> dict[str, Any]:
    """Collect twice, at least ``interval`` seconds apart, so rates cover that interval.

    The wait starts with the first round rather than after it: each collector's rate is
    computed over its own two timestamps, so a slow first round only shortens the idle
    wait instead of adding to the wall time.
    """
    # A spec without a JSON key adds nothing to the snapshot: do not spend two rounds on it.
    engine = Engine(ctx, [s for s in specs if s.json_key is not None])
    try:
        await asyncio.gather(engine.collect_round(), asyncio.sleep(interval))
        await engine.collect_round()
        return build_snapshot(engine.store, specs)
    finally:
        engine.close()
