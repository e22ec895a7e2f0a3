"""Refusals are said at once in every mode, and a mode's footer shows only keys that work (issue 14).

The real app over the demo's context (recordings stand in for this host: every action
refused) and over this machine in ``--read-only``: the footer has no Restart, Affinity
or Pin vCPU; pressing those keys tells why instead of doing nothing, before any dialog.
"""

from __future__ import annotations

from typing import Any

from edgetop.actions.session import READ_ONLY_REASON
from edgetop.config_schema import Config
from edgetop.demo import demo_context
from edgetop.model.spec import Context
from edgetop.sources.fs import ProcFS, SysFS
from edgetop.ui.app import EdgetopApp
from edgetop.ui.screens.confirm import ConfirmScreen
from edgetop.ui.screens.cpu_picker import CpuPickerScreen
from edgetop.ui.screens.domain_detail import DomainDetailScreen
from edgetop.ui.widgets.keybar import KeyBar
from tests.helpers import wait_for

ACTION_WORDS = ("Restart", "Affinity", "Pin vCPU")


def footer(app: EdgetopApp) -> str:
    return str(app.screen.query_one(KeyBar).render())


def refusals(app: Any) -> list[str]:
    return [n.message for n in app._notifications if n.title == "Not allowed"]


async def show(app: EdgetopApp, pilot: Any, pane_id: str) -> None:
    await app.show_pane(pane_id)
    await pilot.pause()


async def test_demo_hides_action_keys_and_says_why_when_pressed() -> None:
    ctx = demo_context(Config(), ProcFS(), SysFS())
    app = EdgetopApp(ctx, [], start_engine=False)
    async with app.run_test(size=(120, 40)) as pilot:
        assert not app.read_only and app.actions_refused is not None
        for pane_id, key in (("services", "r"), ("processes", "a")):
            await show(app, pilot, pane_id)
            await wait_for(lambda: "Help" in footer(app))
            assert not any(word in footer(app) for word in ACTION_WORDS), footer(app)
            before = len(refusals(app))
            await pilot.press(key)
            await wait_for(lambda before=before: len(refusals(app)) > before)
            assert "what is shown is not all this host's" in refusals(app)[-1]
            assert not isinstance(app.screen, ConfirmScreen | CpuPickerScreen)
        # p in a domain's detail: refused at once, no CPU prompt, not in the footer.
        screen = DomainDetailScreen(app.store, "00000000-0000-4000-8000-000000000001")
        await app.push_screen(screen)
        await pilot.pause()
        assert "Pin vCPU" not in footer(app)
        before = len(refusals(app))
        await pilot.press("p")
        await wait_for(lambda: len(refusals(app)) > before)
        assert not screen.query_one("#detail-pin").has_class("shown")
        assert not isinstance(app.screen, CpuPickerScreen)


async def test_read_only_affinity_key_says_it_is_refused(live_ctx: Context) -> None:
    app = EdgetopApp(live_ctx, [], read_only=True, start_engine=False)
    async with app.run_test(size=(80, 25)) as pilot:
        await show(app, pilot, "processes")
        await wait_for(lambda: "Help" in footer(app))
        assert "Affinity" not in footer(app)
        await pilot.press("a")
        await wait_for(lambda: bool(refusals(app)))
        assert refusals(app) == [READ_ONLY_REASON]


async def test_writable_session_shows_action_keys_and_unbound_keys_stay_quiet(live_ctx: Context) -> None:
    app = EdgetopApp(live_ctx, [], start_engine=False)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.actions_refused is None
        await show(app, pilot, "processes")
        await wait_for(lambda: "Affinity" in footer(app))
        await pilot.press("z")  # bound to nothing: no refusal invented
        await pilot.pause()
        assert refusals(app) == []


async def test_help_lists_an_action_key_only_where_it_works(live_ctx: Context) -> None:
    from edgetop.ui.keyhelp import KEY_TEXT
    from edgetop.ui.screens.help import HelpScreen

    affinity = KEY_TEXT["processes.pin_process"]
    for read_only, listed in ((False, True), (True, False)):
        app = EdgetopApp(live_ctx, [], read_only=read_only, start_engine=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await show(app, pilot, "processes")
            await pilot.press("question_mark")
            await wait_for(lambda app=app: isinstance(app.screen, HelpScreen))
            texts = [text for _key, text, _where in app.screen.bindings]  # type: ignore[attr-defined]
            assert (affinity in texts) is listed
