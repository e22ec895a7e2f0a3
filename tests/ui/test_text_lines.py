"""TextLines repaints only the lines that changed (issue 17: terminal bytes), and shows them all right."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from edgetop.ui.widgets.text_lines import TextLines


class LinesApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TextLines(id="lines")


def block(*lines: str, red: int | None = None) -> Text:
    out = Text()
    for i, line in enumerate(lines):
        out.append(line, style="red" if i == red else "")
        out.append("\n")
    return out


async def test_only_changed_lines_are_repainted() -> None:
    app = LinesApp()
    async with app.run_test(size=(40, 8)) as pilot:
        lines = app.query_one(TextLines)
        lines.update(block("CPU 10%", "Mem 2G", "Alerts 3"))
        await pilot.pause()
        assert lines.plain == "CPU 10%\nMem 2G\nAlerts 3\n" and lines.size.height == 4
        before = lines.lines_refreshed
        lines.update(block("CPU 12%", "Mem 2G", "Alerts 3"))
        assert lines.lines_refreshed - before == 1
        lines.update(block("CPU 12%", "Mem 2G", "Alerts 3", red=2))  # a style alone is a change
        assert lines.lines_refreshed - before == 2
        lines.update(block("CPU 12%", "Mem 2G", "Alerts 3", red=2))  # the same again: nothing
        assert lines.lines_refreshed - before == 2
        await pilot.pause()
        assert lines.render_line(0).text.rstrip() == "CPU 12%"
        assert any(seg.style and seg.style.color and seg.style.color.name == "red"
                   for seg in lines.render_line(2) if seg.text.strip())


async def test_a_new_line_count_lays_out_again_and_long_lines_end_in_an_ellipsis() -> None:
    app = LinesApp()
    async with app.run_test(size=(20, 8)) as pilot:
        lines = app.query_one(TextLines)
        lines.update(block("one"))
        await pilot.pause()
        assert lines.size.height == 2
        lines.update(block("one", "two", "a line far wider than the twenty columns"))
        await pilot.pause()
        assert lines.size.height == 4
        assert lines.render_line(1).text.rstrip() == "two"
        long = lines.render_line(2).text
        assert long.endswith("…") and len(long) == 20
        assert lines.render_line(5).text == " " * 20  # below the text: blank, not an error


async def test_ascii_and_wide_lines_are_cut_and_styled_alike() -> None:
    """ASCII lines are measured by their length, others by rich: the same cut, spans and width."""
    app = LinesApp()
    async with app.run_test(size=(20, 8)) as pilot:
        lines = app.query_one(TextLines)
        ascii_line = Text("Sensors 86 C ").append("critical and more", style="red")
        wide_line = Text("Sensors 86 °C ").append("critical 温度 more", style="red")
        lines.update(Text("\n").join([ascii_line, wide_line, Text("fits")]))
        await pilot.pause()
        cut_ascii, cut_wide = lines.render_line(0), lines.render_line(1)
        assert cut_ascii.text == "Sensors 86 C critic…" and cut_ascii.cell_length == 20
        assert cut_wide.text == "Sensors 86 °C criti…" and cut_wide.cell_length == 20
        for strip in (cut_ascii, cut_wide):
            red = "".join(s.text for s in strip if s.style and s.style.color and s.style.color.name == "red")
            assert red.startswith("criti") and red.endswith("…")
        short = lines.render_line(2)
        assert short.text == "fits" + " " * 16 and short.cell_length == 20
