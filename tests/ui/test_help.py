"""``?`` lists edgetop's keys for the current screen in plain words, then the glossary (issue 14)."""

from __future__ import annotations

from textual.widgets import ContentSwitcher

from edgetop.model.spec import Context
from edgetop.ui.app import EdgetopApp
from edgetop.ui.screens.help import HelpScreen
from tests.helpers import wait_for
from tests.ui.test_services_actions import screen_text

TEXTUAL_WORDS = ("Copy selected text", "super+c", "Focus Next", "ctrl+p", "Pane", "SyncedTable", "FastTable")


async def open_help(app: EdgetopApp, pilot: object, pane_id: str) -> HelpScreen:
    await app.show_pane(pane_id)
    await wait_for(lambda: app.query_one("#panes", ContentSwitcher).current == pane_id)
    await pilot.press("question_mark")  # type: ignore[attr-defined]
    await wait_for(lambda: isinstance(app.screen, HelpScreen))
    assert isinstance(app.screen, HelpScreen)
    return app.screen


async def test_help_is_edgetops_keys_in_plain_words_then_the_glossary(live_ctx: Context) -> None:
    app = EdgetopApp(live_ctx, [], start_engine=False)
    async with app.run_test(size=(80, 25)) as pilot:
        help_ = await open_help(app, pilot, "processes")
        rows = help_.bindings
        flat = " ".join(" ".join(r) for r in rows)
        assert not [w for w in TEXTUAL_WORDS if w in flat], flat
        texts = {key: text for key, text, _where in rows}
        assert texts["spc"] == "Freeze the display to read it; collection goes on (press again to thaw)"
        assert "Show or hide kernel threads" in texts.values()
        assert any(text.startswith("Show a pane: 1 Overview, 2 CPU") for text in texts.values())
        assert ("arrows", "Move the highlight in the table (also pgup, pgdn, home, end)", "table") in rows
        wheres = [where for _k, _t, where in rows]
        assert wheres.index("Processes") < wheres.index("everywhere")  # this pane's keys first
        assert help_.place == "processes" and help_.terms[0].places == ("processes",)
        assert "steal" in [t.name for t in help_.terms]
        await pilot.press("escape")
        await wait_for(lambda: not isinstance(app.screen, HelpScreen))


async def test_help_on_domains_explains_squeeze_and_usable(live_ctx: Context) -> None:
    app = EdgetopApp(live_ctx, [], start_engine=False)
    async with app.run_test(size=(120, 40)) as pilot:
        help_ = await open_help(app, pilot, "domains")
        names = [t.name for t in help_.terms]
        assert names.index("Squeeze (column)") < names.index("squeeze")  # its columns, then the words
        await pilot.pause()
        shown = screen_text(app).replace("\xa0", " ")
        assert "Keys on this screen" in shown and "Sort by balloon squeeze" in shown


async def test_help_on_a_detail_screen_is_about_that_screen(live_ctx: Context) -> None:
    from edgetop.ui.screens.domain_detail import DomainDetailScreen

    app = EdgetopApp(live_ctx, [], start_engine=False)
    async with app.run_test(size=(80, 25)) as pilot:
        await app.push_screen(DomainDetailScreen(app.store, "no-such-uuid"))
        await pilot.pause()
        await pilot.press("question_mark")
        await wait_for(lambda: isinstance(app.screen, HelpScreen))
        help_ = app.screen
        assert isinstance(help_, HelpScreen) and help_.place == "domain_detail"
        assert ("esc", "Back to the guest list", "guest detail") in help_.bindings
        assert any("vCPU may run on" in text for _k, text, _w in help_.bindings)  # a writable session
        assert help_.terms[0].places == ("domain_detail",)
