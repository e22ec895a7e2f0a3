"""Pilot tests of the SNMP pane over a store fed with readings as the engine would."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from edgetop.collectors import snmp
from edgetop.collectors.snmp import SnmpReading, SnmpValue, failed_reading
from edgetop.collectors.snmp_profiles import Interface, Sensor, SystemInfo, UpsStatus
from edgetop.config_schema import Config, Secret, SnmpConfig, SnmpOid, SnmpTarget
from edgetop.demo import demo_context
from edgetop.model.reading import Status
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.ui.panes.snmp import NO_TARGETS_HELP, SnmpPane
from edgetop.ui.render.snmp import port_value
from edgetop.ui.screens.snmp_detail import SnmpDetailScreen
from tests.ui.harness import PaneHarness, plain

SWITCH = SnmpTarget(name="tor[bold]sw", host="192.0.2.10", user="mon", auth_protocol="SHA-256",
                    auth_key=Secret("very-secret-auth"), priv_protocol="AES-128", priv_key=Secret("very-secret-priv"),
                    profiles=("system", "if-mib", "ups-mib"),
                    oids=(SnmpOid(name="inlet", oid="1.3.6.1.4.1.1.0", unit="C", warn=30.0, crit=40.0),))
PDU = SnmpTarget(name="pdu", host="192.0.2.11", user="mon", auth_protocol="SHA", auth_key=Secret("k" * 10))
CONFIG = Config(snmp=SnmpConfig(targets=(SWITCH, PDU)))
SETTLE = SnmpPane.MIN_RENDER_SECONDS + 0.1  # the pane renders at most this often


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait out the pane's render throttle, and any render it still has pending.

    The throttled render runs on a timer; on a loaded machine that timer fires after
    SETTLE, and a fixed pause then read the table before the last render (a flaky failure).
    """
    await pilot.pause(SETTLE)
    deadline = time.monotonic() + 10
    panes = pilot.app.query(SnmpPane)
    while any(p._render_due for p in panes) and time.monotonic() < deadline:
        await pilot.pause(0.05)


def switch_reading(latency: float = 0.012, inlet: float = 35.0) -> SnmpReading:
    eth = Interface("1", "[red]eth0", "eth0", "up", "up", 9000, 10000, 1000, 2000, 0, 0, 0, 0, 1250.0, 900.0)
    eth1 = Interface("2", "eth1", "eth1", "up", "down", 1500, None, 0, 0, 0, 0, 0, 0)
    ups = UpsStatus("low", "battery", 120, 720, 0.35, 26.2, None, (0.0,), (230.0,), (0.41,))
    return SnmpReading(
        name=SWITCH.name, host=SWITCH.host, port=161, status="up", error=None, error_kind=None,
        latency_seconds=latency, profiles=SWITCH.profiles, system=SystemInfo("Demo [b]switch", "sw1", 3700.0),
        interfaces=(eth, eth1), ups=ups, sensors=(Sensor("7", "inlet", "celsius", 41.5, "°C", "ok"),),
        values=(SnmpValue("inlet", "1.3.6.1.4.1.1.0", inlet, "C", 30.0, 40.0),), last_up_timestamp=time.time(),
    )


def specs() -> dict[str, snmp.CollectorSpec]:
    ctx = Context(config=CONFIG, procfs=ProcFS(), sysfs=SysFS())
    return {s.name: s for s in snmp.specs(ctx)}


async def test_no_targets_says_how_to_add_one() -> None:
    app = PaneHarness(SnmpPane, Config())
    async with app.run_test(size=(80, 25)) as pilot:
        await settle(pilot)
        shown = app.pane.query_one("#snmp-banner").render()
        assert str(shown) == NO_TARGETS_HELP and "auth_key_file" in str(shown)
        assert app.pane.targets.row_count == 0 and not app.pane.targets.display


async def test_rows_per_target_values_and_colours() -> None:
    app = PaneHarness(SnmpPane, CONFIG)
    s = specs()
    async with app.run_test(size=(120, 40)) as pilot:
        app.feed(s["snmp:tor[bold]sw"], switch_reading())
        down = failed_reading(PDU, "down", "timeout", "host down, udp/161 filtered or no agent", time.time() - 300)
        app.feed(s["snmp:pdu"], down)
        await settle(pilot)
        targets = app.pane.targets
        assert targets.row_count == 2
        row = [plain(c) for c in targets.get_row("snmp:tor[bold]sw")]
        assert row[0] == "tor[bold]sw"  # literal, not markup
        assert row[1] == "192.0.2.10" and row[2] == "up" and row[3] == "12 ms" and row[4] == "1h01m"
        assert "ports 1/2 up" in row[6] and "ON BATTERY" in row[6]
        pdu = targets.get_row("snmp:pdu")
        assert plain(pdu[2]) == "down" and pdu[2].style == "bold red"
        assert plain(pdu[5]) == "5m00s" and plain(pdu[6]).startswith("host down")  # Info: the error
        values = app.pane.values
        assert {"oid:inlet", "ups:battery", "ups:output", "if:1", "if:2"} <= set(values.row_keys_in_order())
        inlet = values.get_row("oid:inlet")
        assert plain(inlet[2]) == "35 C" and inlet[2].style == "bold yellow"  # warn 30, crit 40
        assert values.get_row("ups:battery")[3].style == "bold yellow"
        assert plain(values.get_row("if:1")[1]) == "[red]eth0"
        # Ports as NICs: bit/s (1250 B/s is 10 kbit/s) and the share of the 10G link.
        assert plain(values.get_row("if:1")[2]) == "MTU  9000  10G ↓ 10.0kb/s 0% ↑  7.2kb/s 0%"
        assert values.get_row("if:2")[3].style == "yellow"  # admin up, oper down
        # Secrets never reach the screen.
        screen_text = " ".join(plain(c) for k in targets.row_keys_in_order() for c in targets.get_row(k))
        assert "very-secret" not in screen_text


async def test_cells_update_in_place_and_highlight_switches_values() -> None:
    app = PaneHarness(SnmpPane, CONFIG)
    s = specs()
    async with app.run_test(size=(80, 25)) as pilot:
        app.feed(s["snmp:tor[bold]sw"], switch_reading())
        app.feed(s["snmp:pdu"], failed_reading(PDU, "error", "auth", "wrong authentication key or protocol (SHA)"))
        await settle(pilot)
        app.feed(s["snmp:tor[bold]sw"], switch_reading(latency=0.9, inlet=45.0))
        await settle(pilot)
        row = app.pane.targets.get_row("snmp:tor[bold]sw")
        assert plain(row[3]) == "900 ms" and row[3].style == "bold yellow"  # over 0.5 s warn
        assert app.pane.values.get_row("oid:inlet")[2].style == "bold red"
        app.pane.targets.focus()
        await pilot.press("down")
        await settle(pilot)
        assert app.pane.selected == "snmp:pdu"
        assert app.pane.values.row_keys_in_order() == ["status:error"]  # the whole reason, uncut
        assert "wrong authentication key" in plain(app.pane.values.get_row("status:error")[2])


async def test_enter_opens_the_detail_screen_and_escape_returns() -> None:
    app = PaneHarness(SnmpPane, CONFIG)
    s = specs()
    async with app.run_test(size=(80, 25)) as pilot:
        app.feed(s["snmp:tor[bold]sw"], switch_reading())
        await settle(pilot)
        app.pane.targets.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SnmpDetailScreen)
        text = app.screen.query_one("#snmp-detail-text").render()
        assert "Demo [b]switch" in str(text)
        assert app.screen.query_one("#snmp-detail-values").row_count >= 5
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, SnmpDetailScreen)


async def test_failed_collection_shows_reason_and_console_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "linux")
    app = PaneHarness(SnmpPane, CONFIG)
    s = specs()
    async with app.run_test(size=(80, 25)) as pilot:
        app.feed(s["snmp:pdu"], status=Status.UNAVAILABLE, reason="no answer within 20 s")
        await settle(pilot)
        row = app.pane.targets.get_row("snmp:pdu")
        assert plain(row[2]) == "unavailable" and plain(row[6]) == "no answer within 20 s"


async def test_renders_are_throttled_but_never_lost() -> None:
    app = PaneHarness(SnmpPane, CONFIG)
    s = specs()
    async with app.run_test(size=(80, 25)) as pilot:
        await settle(pilot)
        app.feed(s["snmp:tor[bold]sw"], switch_reading(latency=0.010))
        app.feed(s["snmp:tor[bold]sw"], switch_reading(latency=0.020))  # within the throttle window
        app.feed(s["snmp:tor[bold]sw"], switch_reading(latency=0.030))
        await settle(pilot)
        assert plain(app.pane.targets.get_row("snmp:tor[bold]sw")[3]) == "30 ms"


async def test_demo_targets_render(tmp_path: Path) -> None:
    ctx = demo_context(Config(), ProcFS(), SysFS())
    demo_specs = snmp.specs(ctx)
    assert [sp.name for sp in demo_specs] == ["snmp:tor-switch", "snmp:ups-a", "snmp:pdu-b"]
    app = PaneHarness(SnmpPane, Config())
    async with app.run_test(size=(120, 40)) as pilot:
        for sp in demo_specs:
            app.feed(sp, await sp.build(ctx)())
        await asyncio.sleep(0.05)
        for sp in demo_specs:
            app.feed(sp, await sp.build(ctx)())
        await settle(pilot)
        assert app.pane.targets.row_count == 3
        assert plain(app.pane.targets.get_row("snmp:pdu-b")[2]) == "down"
        assert "3 SNMP targets, 2 answering" in app.pane.banner(app.pane.samples()).plain


def test_port_with_errors_is_one_bold_yellow_cell() -> None:
    clean = Interface("1", "eth0", "eth0", "up", "up", 1500, 1000, 0, 0, 0, 0, 0, 0, 10.0, 20.0)
    assert str(port_value(clean).style) == "" and "err" not in port_value(clean).plain
    errored = Interface("2", "eth1", "eth1", "up", "up", 1500, 1000, 0, 0, 3, 1, 0, 0, 10.0, 20.0)
    shown = port_value(errored)
    assert shown.plain.endswith(" err 3/1") and str(shown.style) == "bold yellow" and shown.spans == []
