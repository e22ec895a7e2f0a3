"""The fleet app against recorded answers served by a real HTTP server on loopback (tests/fleet/replay.py).

What a live Prometheus will not do on demand: go away and come back at a chosen moment
(rows kept, greyed, under "unavailable: reason"), carry hostile names, answer a kiosk.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from rich.cells import cell_len
from rich.text import Text
from textual.color import Color

from edgetop.config_schema import FleetConfig
from edgetop.fleet.connect import fleet_settings
from edgetop.ui.fleet_app import FleetApp
from edgetop.ui.fleet_detail import FleetDetail
from edgetop.ui.fleet_rows import STALE_STYLE
from tests.fleet.replay import Replay, recorded, replay_server
from tests.helpers import wait_for


def _app(url: str, **kw: Any) -> FleetApp:
    return FleetApp(fleet_settings(FleetConfig(timeout=2.0), url, None, 0.3, None), **kw)


async def test_prometheus_going_away_keeps_the_rows_greyed_with_their_age() -> None:
    with replay_server(Replay(recorded("one-stopped.json", time.time()))) as replay:
        app = _app(replay.url)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(lambda: app.table.row_count == 3)
            assert app.table.row_keys == ["edge-stops", "edge-faulty", "edge-ok"]
            banner = app.query_one("#fleet-banner")
            assert not banner.has_class("-shown")
            replay.status = 503
            await wait_for(lambda: app.stale)
            await pilot.pause()
            assert banner.has_class("-shown")
            text = str(banner.render())
            assert text.startswith("unavailable: HTTP 503 Service Unavailable") and "showing the answer of" in text
            assert app.table.row_keys == ["edge-stops", "edge-faulty", "edge-ok"]  # the last rows stay
            cell = app.table.get_cell("edge-faulty", "state")
            assert isinstance(cell, Text) and cell.style == STALE_STYLE
            await pilot.press("down", "enter")
            await wait_for(lambda: isinstance(app.screen, FleetDetail))
            assert "Prometheus unavailable: HTTP 503" in str(app.screen.query_one("#fleet-detail-text").render())
            await pilot.press("escape")
            replay.status = 200  # back: fresh rows, no banner
            await wait_for(lambda: not app.stale)
            await pilot.pause()
            assert not banner.has_class("-shown")
            assert app.table.get_cell("edge-faulty", "state").style != STALE_STYLE
            app.settings.client.close()


async def test_a_prometheus_never_reached_says_why_and_shows_no_traceback() -> None:
    app = _app("http://127.0.0.1:9")  # discard: nothing listens there
    async with app.run_test(size=(80, 25)) as pilot:
        await wait_for(lambda: app.last_round is not None)
        await pilot.pause()
        assert str(app.query_one("#fleet-banner").render()) == "unavailable: connection refused"
        assert app.table.row_count == 0
    app.settings.client.close()


HOSTILE = "[bold red]boom[/] \x1b[2J\u202eevil" + "x" * 100


async def test_names_from_outside_are_literal_and_capped() -> None:
    up = {"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {"instance": HOSTILE, "site": "[link=http://x]site[/link]", "job": "edgetop"},
         "value": [time.time(), "1"]}]}}
    with replay_server(Replay({"up": up})) as replay:
        app = _app(replay.url)
        async with app.run_test(size=(120, 40)):
            await wait_for(lambda: app.table.row_count == 1)
            node = app.table.get_cell(HOSTILE[:256], "node")
            site = app.table.get_cell(HOSTILE[:256], "site")
            assert node.plain.startswith("[bold red]boom[/]") and node.plain.endswith("…")
            assert cell_len(node.plain) == 24
            assert site.plain == "[link=http:…" and not site.spans  # 12 cells, never a link
            strip = app.table.render_line(1)
            for line_filter in app.get_line_filters():  # what the compositor applies before the terminal
                strip = strip.apply_filter(line_filter, Color(0, 0, 0))
            line = strip.text
            assert "\x1b" not in line and "\u202e" not in line
        app.settings.client.close()


async def test_the_kiosk_has_no_quit_key_and_only_its_chord_leaves() -> None:
    with replay_server(Replay(recorded("three-reporting.json", time.time()))) as replay:
        app = _app(replay.url, kiosk=True, exit_chord="ctrl+alt+x")
        async with app.run_test(size=(80, 25)) as pilot:
            await wait_for(lambda: app.table.row_count == 3)
            await pilot.press("q")
            await pilot.pause()
            assert app.is_running and "KIOSK" in str(app.query_one("#fleet-header").render())
            assert app.check_action("quit", ()) is False
            await pilot.press("ctrl+x")  # how most terminals deliver ctrl+alt+x
            await wait_for(lambda: not app.is_running)
        app.settings.client.close()


@pytest.mark.parametrize(("width", "hidden"), [(120, set()), (100, {"version", "snmp"}),
                                               (80, {"version", "snmp", "host_steal", "vm_steal"})])
async def test_narrow_terminals_hide_the_least_important_columns(width: int, hidden: set[str]) -> None:
    with replay_server(Replay(recorded("one-stopped.json", time.time()))) as replay:
        app = _app(replay.url)
        async with app.run_test(size=(width, 30)):
            await wait_for(lambda: app.table.row_count == 3)
            assert {c.key for c in app.table.columns if c.hidden} == hidden
            header = app.table.render_line(0).text.rstrip()
            assert header.endswith("SEEN") and len(header) <= width
        app.settings.client.close()


async def test_a_filter_typed_in_one_burst_keeps_every_character() -> None:
    # A terminal hands over "/plant-b" at once when typed fast or pasted: the keys after "/"
    # reach the app before the filter box has focus, and went to the table (lost).
    from textual import events

    with replay_server(Replay(recorded("one-stopped.json", time.time()))) as replay:
        app = _app(replay.url)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(lambda: app.table.row_count == 3)
            rounds = app.rounds
            burst = [("slash", "/"), *((c if c != "-" else "minus", c) for c in "plant-b"), ("enter", "\r")]
            for key, char in burst:  # "r" is Refresh and enter opens a node, outside the filter
                app.post_message(events.Key(key, char))
            await pilot.pause()
            await wait_for(lambda: app.filter_text == "plant-b" and app.table.has_focus)
            assert app.table.row_keys == ["edge-stops"]
            assert app.screen is app.screen_stack[0]  # enter kept the filter, opened no node
            assert app.rounds - rounds <= 1  # no refresh from the "r" (one tick may pass)
            await pilot.press("r")  # after the burst, keys are keys again
            await wait_for(lambda: app.rounds > rounds)
            app.settings.client.close()


async def test_a_round_redraws_the_cells_that_changed_and_the_filter_hides_rows_it_keeps() -> None:
    with replay_server(Replay(recorded("three-reporting.json", time.time()))) as replay:
        app = _app(replay.url)  # a round every 0.3 s
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(lambda: app.table.row_count == 3)
            temp = app.table.get_cell("edge-ok", "temp")
            state = app.table.get_cell("edge-faulty", "state")
            for series in replay.answers["temp"]["data"]["result"]:  # edge-ok warms up by 20 °C
                if series["metric"]["instance"] == "edge-ok":
                    series["value"][1] = str(float(series["value"][1]) + 20)
            rounds = app.rounds
            await wait_for(lambda: app.rounds >= rounds + 2)
            warmer = app.table.get_cell("edge-ok", "temp")
            assert warmer.plain != temp.plain
            assert float(warmer.plain.split("/")[0]) == float(temp.plain.split("/")[0]) + 20
            assert app.table.get_cell("edge-faulty", "state") is state  # nothing new there: the same cell
            order = app.table.row_keys
            await pilot.press("slash", *"edge-ok")
            await wait_for(lambda: app.table.row_keys == ["edge-ok"])
            assert app.table.get_cell("edge-faulty", "state") is state  # hidden, not forgotten
            await pilot.press("escape")
            await wait_for(lambda: app.table.row_keys == order)
            assert "edge-ok" in app.table.render_line(order.index("edge-ok") + 1).text
        app.settings.client.close()


async def test_the_heap_is_frozen_after_the_first_rows_and_thawed_on_exit() -> None:
    import gc

    with replay_server(Replay(recorded("three-reporting.json", time.time()))) as replay:
        app = _app(replay.url)
        async with app.run_test(size=(80, 25)):
            await wait_for(lambda: app.table.row_count == 3)
            await wait_for(lambda: gc.get_freeze_count() > 0)  # the collector's full passes skip what exists
        assert gc.get_freeze_count() == 0  # the process's heap as it was
        app.settings.client.close()


async def test_a_round_that_fails_to_show_is_logged_and_the_next_round_still_runs(
        caplog: pytest.LogCaptureFixture) -> None:
    with replay_server(Replay(recorded("three-reporting.json", time.time()))) as replay:
        app = _app(replay.url)  # a round every 0.3 s
        draw = app._draw
        failures: list[int] = []

        def draw_failing_once(prepared: Any = None) -> None:
            if not failures:
                failures.append(app.rounds)
                raise RuntimeError("drawing broke")
            draw(prepared)

        app._draw = draw_failing_once  # type: ignore[method-assign]
        async with app.run_test(size=(120, 40)):
            await wait_for(lambda: app.table.row_count == 3)  # a later round drew the rows
            rounds = app.rounds
            await wait_for(lambda: app.rounds >= rounds + 2)  # and rounds go on
            assert failures and not app._exception
            screen = "\n".join(app.table.render_line(y).text for y in range(4))
            assert "Traceback" not in screen and "drawing broke" not in screen
        app.settings.client.close()
    assert any(r.message == "fleet round: showing it" and r.exc_info for r in caplog.records)
