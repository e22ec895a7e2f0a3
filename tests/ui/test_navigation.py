"""Navigation that holds many panes: number keys for ten, tab, ``g`` for all, a strip that fits."""

from __future__ import annotations

import asyncio

import pytest
from rich.cells import cell_len
from textual.app import ComposeResult
from textual.widgets import ContentSwitcher, Input, Static

from edgetop.engine.store import Store
from edgetop.model.spec import CollectorSpec, Context
from edgetop.ui.app import EdgetopApp
from edgetop.ui.pane_list import PANES, PaneEntry
from edgetop.ui.panes.base import Pane
from edgetop.ui.screens.goto import GotoScreen, matches
from edgetop.ui.widgets.tabstrip import TabStrip, fit_window

# Panes that do not exist (yet), standing in to make seventeen: too many for 80 columns even
# one space apart, so the strip is windowed there.
WAVE_TWO = tuple(t for t in ("Alerts", "Storage", "Events", "Checks", "Fleet", "Power", "Jobs")
                 if t.lower() not in {e.pane_id for e in PANES})[: 17 - len(PANES)]


class ExtraPane(Pane):
    """A pane of the second wave, as far as navigation cares: a title on a line."""

    def compose(self) -> ComposeResult:
        """Its title."""
        yield Static(self.TITLE)


# One class per extra pane, at module level so PaneEntry.load imports them like real ones.
for _title in WAVE_TWO:
    globals()[f"{_title}Pane"] = type(f"{_title}Pane", (ExtraPane,), {"PANE_ID": _title.lower(), "TITLE": _title})

MANY = (*PANES, *(PaneEntry(__name__, f"{t}Pane", t.lower(), t) for t in WAVE_TWO))


def strip_of(entries: tuple[PaneEntry, ...], active: str) -> TabStrip:
    strip = TabStrip([(e.pane_id, e.key, e.title) for e in entries])
    strip.active = active
    return strip


def test_the_first_ten_panes_have_the_number_keys_in_order() -> None:
    assert [e.key for e in PANES[:10]] == [*"123456789", "0"]
    assert all(e.key == "" for e in PANES[10:])
    assert len({e.pane_id for e in PANES}) == len(PANES)


@pytest.mark.parametrize("width", [80, 120])
def test_the_real_panes_are_all_named_with_their_keys(width: int) -> None:
    line = strip_of(PANES, "overview").render_strip(width)
    assert cell_len(line.plain) <= width
    for entry in PANES:  # fourteen panes at 80 columns: three letters of each title, every number key
        assert (f" {entry.key} {entry.title[:3]}" if entry.key else f" {entry.title[:3]}") in line.plain
    assert "<" not in line.plain and ">" not in line.plain


@pytest.mark.parametrize("width", [80, 100, 120])
@pytest.mark.parametrize("active", [e.pane_id for e in MANY])
def test_seventeen_panes_fit_around_the_active_one(width: int, active: str) -> None:
    line = strip_of(MANY, active).render_strip(width)
    plain = line.plain
    assert cell_len(plain) <= width and plain.isascii()  # the Linux console font draws it
    highlighted = [plain[s.start:s.end] for s in line.spans if s.style == "bold reverse"]
    title = next(e.title for e in MANY if e.pane_id == active)
    windowed = plain.startswith("<") or plain.endswith(">")
    # The active pane is highlighted; with full title when the strip shows only some panes.
    assert len(highlighted) == 1 and f" {title if windowed else title[:3]}" in highlighted[0], plain
    shown = [e for e in MANY if f" {e.title[:3]}" in plain]
    left = int(plain[2:plain.index(" ")]) if plain.startswith("<+") else 0
    right = int(plain.rsplit(" +", 1)[1][:-1]) if plain.endswith(">") else 0
    assert left + len(shown) + right == len(MANY), plain
    assert len(shown) >= 5, plain
    assert windowed == (width == 80)  # all seventeen fit in 100 columns one space apart, 120 with 3 letters


def test_fit_window_grows_around_the_active_tab_and_keeps_it_when_too_wide() -> None:
    assert fit_window([10] * 15, 0, 80) == (0, 7)  # 7 tabs and " +8>"
    start, end = fit_window([10] * 15, 14, 80)
    assert end == 15 and end - start == 7
    assert fit_window([10] * 15, 7, 80) == (4, 11)  # "<+4 ", 7 tabs, " +4>"
    assert fit_window([100, 10], 0, 80) == (0, 1)


def test_goto_filter_matches_title_id_and_number_key() -> None:
    entries = [(e.pane_id, e.key, e.title) for e in MANY]
    assert [e[2] for e in matches(entries, "se")] == ["Sensors", "Services", "Processes"]
    assert [e[2] for e in matches(entries, "5")] == ["Domains"]
    assert [e[2] for e in matches(entries, "ST")] == ["Storage"]
    # Titles that start with the text first, then the others in the pane list's order.
    assert [e[2] for e in matches(entries, "e")][:2] == ["Events", "Overview"]
    assert matches(entries, "") == entries
    assert matches(entries, "nothing") == []


async def wait_for(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def test_seventeen_panes_in_the_app(live_ctx: Context, foundation_specs: list[CollectorSpec]) -> None:
    app = EdgetopApp(live_ctx, foundation_specs, start_engine=False, store=Store(live_ctx.config), panes=MANY)

    def current() -> str | None:
        return app.query_one("#panes", ContentSwitcher).current

    async with app.run_test(size=(80, 25)) as pilot:
        await pilot.press("0")
        await wait_for(lambda: current() == "services")
        after_services = [e.pane_id for e in MANY[[e.pane_id for e in MANY].index("services") + 1:]]
        for expected in (*after_services, "overview"):
            await pilot.press("tab")
            await wait_for(lambda expected=expected: current() == expected)
            strip = app.query_one(TabStrip)
            await pilot.pause()
            plain = strip.render_strip(strip.size.width).plain
            assert strip.size.width == 80 and cell_len(plain) <= 80, plain
        await pilot.press("g")
        await wait_for(lambda: isinstance(app.screen, GotoScreen))
        assert app.screen.query_one("#goto-filter", Input).has_focus
        listed = str(app.screen.query_one("#goto-list", Static).render())
        assert listed.isascii() and all(e.title in listed for e in MANY)
        assert " 0  Services" in listed and "    Checks" in listed  # the number key, or none
        await pilot.press(*"che", "enter")
        await wait_for(lambda: current() == "checks")
        assert not isinstance(app.screen, GotoScreen)
        await pilot.press("g")
        await wait_for(lambda: isinstance(app.screen, GotoScreen))
        steps = len(MANY) - [e.pane_id for e in MANY].index("checks")
        await pilot.press(*["down"] * steps, "enter")  # from the highlighted current pane, down past the last
        await wait_for(lambda: current() == "overview")
        await pilot.press("g")
        await wait_for(lambda: isinstance(app.screen, GotoScreen))
        await pilot.press("3", "escape")
        await wait_for(lambda: not isinstance(app.screen, GotoScreen))
        assert current() == "overview"
