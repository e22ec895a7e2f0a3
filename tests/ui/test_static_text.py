"""set_text: an unchanged text is not sent; a changed one asks for a layout only when its height may change."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Static

from edgetop.ui.widgets.static_text import set_text


class Recording(Static):
    """A Static that notes each refresh it is asked for, and whether with a layout."""

    def __init__(self) -> None:
        super().__init__(id="s")
        self.layouts: list[bool] = []

    def refresh(self, *regions: Any, repaint: bool = True, layout: bool = False, **kwargs: Any) -> Any:
        self.layouts.append(layout)
        return super().refresh(*regions, repaint=repaint, layout=layout, **kwargs)


class OneStatic(App[None]):
    def compose(self) -> ComposeResult:
        yield Recording()


async def test_same_height_text_repaints_without_a_layout_and_the_same_text_not_at_all() -> None:
    app = OneStatic()
    async with app.run_test(size=(40, 6)) as pilot:
        widget = app.query_one(Recording)
        await pilot.pause()
        widget.layouts.clear()
        assert set_text(widget, Text("3 of 80 shown"))
        assert widget.layouts == [True]  # the first text: its height is not known yet
        assert not set_text(widget, Text("3 of 80 shown"))
        assert widget.layouts == [True]  # unchanged: nothing asked
        assert set_text(widget, Text("4 of 80 shown"))
        assert widget.layouts[-1] is False  # one line still, and it fits: no reflow
        assert set_text(widget, Text("4 of 80 shown", style="bold"))
        assert widget.layouts[-1] is False  # a new style is a change too
        assert set_text(widget, Text("two\nlines"))
        assert widget.layouts[-1] is True  # the height changes
        assert set_text(widget, Text("x" * 60 + "\nlines"))
        assert widget.layouts[-1] is True  # wider than the widget: it may wrap
        await pilot.pause()
        assert str(widget.render()).startswith("x" * 10)
