"""The overview's one line per area, from the demo's real collectors (libvirt test driver,
sysfs/procfs trees, recorded chrony and systemctl output, SNMP demo targets)."""

from __future__ import annotations

from rich.text import Text

from edgetop.collectors.registry import all_specs
from edgetop.config_schema import Config
from edgetop.demo import demo_context
from edgetop.engine.lanes import Engine
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.ui.render.overview_lines import area_lines, sensors_line


async def test_every_area_has_a_line_in_the_demo() -> None:
    ctx = demo_context(Config(), ProcFS(), SysFS())
    engine = Engine(ctx, all_specs(ctx))
    try:
        await engine.collect_round()
        await engine.collect_round()
        lines = dict(area_lines(engine.store.samples()))
    finally:
        engine.close()
    assert list(lines) == ["Domains", "Sensors", "Network", "Time", "Services", "SNMP", "Storage", "Checks"]
    assert "running" in lines["Domains"].plain and "paused" in lines["Domains"].plain
    assert "hottest 86 °C coretemp/Core 1" in lines["Sensors"].plain
    assert "bond0 2/3 slaves up" in lines["Network"].plain
    assert lines["Time"].plain.startswith("synchronised via chrony")
    assert "1 failed" in lines["Services"].plain and lines["Services"].style == "bold red"
    assert lines["SNMP"].plain == "2 of 3 targets answering"


def test_sensor_line_colours_by_the_sensor_own_limits() -> None:
    from types import SimpleNamespace as NS

    def sensor(celsius: float) -> NS:
        return NS(kind="temp", celsius=celsius, high_celsius=80.0, critical_celsius=95.0, chip="k10temp", label="Tctl")

    for celsius, style in ((60.0, "green"), (85.0, "yellow"), (99.0, "bold red")):
        line = sensors_line(NS(sensors=(sensor(celsius),)))
        assert isinstance(line, Text) and line.style == style
    assert sensors_line(NS(sensors=())) is None


def test_the_first_frame_does_not_import_the_checks() -> None:
    # The overview is the first frame; the checks' modules (~0.1 s) load with their collector, later.
    import subprocess
    import sys

    code = ("import sys, edgetop.ui.app, edgetop.ui.panes.overview; "
            "print(sorted(m for m in sys.modules if m.startswith('edgetop.collectors.checks')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_worst_steal_is_coloured_like_its_alert() -> None:
    from types import SimpleNamespace as NS

    from edgetop.ui.render.overview_lines import domains_line
    from edgetop.ui.styles import SEVERITY_STYLE

    def view(steal: float) -> NS:
        dom = NS(stats=NS(state="running", name="db"), steal_ratio=steal)
        return NS(domains=(dom,))

    t = Config().thresholds.domain_steal_ratio
    assert t.warn is not None and t.crit is not None
    for steal, want in ((t.crit + 0.01, "critical"), (t.warn + 0.001, "warning"), (0.0, None)):
        line = domains_line(view(steal), Config().thresholds)
        assert line is not None
        pct = f"{steal:.1%}"
        start = line.plain.index(pct)
        styles = {str(span.style) for span in line.spans if span.start <= start < span.end}
        expected = {str(style) for sev, style in SEVERITY_STYLE.items() if sev.value == want}
        assert styles == expected, (steal, styles)


def test_no_hypervisor_keeps_the_domains_line_with_the_reason() -> None:
    from edgetop.engine.store import Store
    from edgetop.model.reading import Status
    from tests.helpers import fake_spec, reading

    store = Store(Config())
    reason = "cannot connect to qemu:///system: Failed to connect socket to '/run/libvirt/libvirt-sock'"
    store.update(fake_spec("domains"), reading("domains", None, Status.UNAVAILABLE, reason))
    lines = dict(area_lines(store.samples()))
    assert lines["Domains"].plain == f"no domains: {reason}"
