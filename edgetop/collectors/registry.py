"""The list of collectors: one line per collector module, and how their specs are built.

The contract itself (``CollectorSpec``, ``Context``, ``Metric``) lives in
:mod:`edgetop.model.spec`; this module only knows which modules define specs.
"""

from __future__ import annotations

import dataclasses
import importlib

from edgetop.model.spec import Collect, CollectorSpec, Context

# One line per collector module. Each module defines ``specs(ctx)``.
MODULES: tuple[str, ...] = (
    "edgetop.collectors.host",
    "edgetop.collectors.cpu",
    "edgetop.collectors.memory",
    "edgetop.collectors.processes",
    "edgetop.collectors.self_cost",
    "edgetop.collectors.libvirt_domains",
    "edgetop.collectors.snmp",
    "edgetop.collectors.ntp",
    "edgetop.collectors.sensors",
    "edgetop.collectors.network",
    "edgetop.collectors.services",
    "edgetop.collectors.checks.collector",
    "edgetop.collectors.topology",
    "edgetop.collectors.storage",
    "edgetop.collectors.kmsg",
    "edgetop.collectors.libvirtd_log",
)



# The collectors the overview needs on the first frame; the TUI imports the rest after it.
# Not processes: it runs only while its pane is shown, and importing it (four record
# classes, the /proc/PID parsers) cost ~5 ms before the first frame (issue 17).
CORE_MODULES: tuple[str, ...] = (
    "edgetop.collectors.host",
    "edgetop.collectors.cpu",
    "edgetop.collectors.memory",
)


def all_specs(
    ctx: Context, modules: tuple[str, ...] | None = None, exclude: tuple[str, ...] = ()
) -> list[CollectorSpec]:
    """Build the spec list for this context from ``modules`` (default: every registered one)."""
    out: list[CollectorSpec] = []
    for module_name in modules if modules is not None else MODULES:
        if module_name in exclude:
            continue
        module = importlib.import_module(module_name)
        out.extend(_adapted(spec, ctx) for spec in module.specs(ctx))
    names = [s.name for s in out]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:  # pragma: no cover - a programming error, caught by the test suite
        raise RuntimeError(f"duplicate collector names: {sorted(dupes)}")
    return out


def _adapted(spec: CollectorSpec, ctx: Context) -> CollectorSpec:
    """``spec`` with the context's adapter (if any) wrapped around what its ``build`` returns."""
    adapter = ctx.adapters.get(spec.name)
    if adapter is None:
        return spec
    build = spec.build

    def adapted_build(c: Context) -> Collect:
        return adapter(build(c))

    return dataclasses.replace(spec, build=adapted_build)
