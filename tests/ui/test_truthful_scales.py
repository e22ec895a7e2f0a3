"""Colours and scales that tell the truth (issue 14): steady values are not full bars, cache is not a warning."""

from __future__ import annotations

from dataclasses import fields

from edgetop.collectors.memory import MemoryView
from edgetop.config_schema import Config
from edgetop.ui.render.memory import MEM_PARTS, memory_lines
from edgetop.ui.styles import SEVERITY_STYLE
from edgetop.ui.widgets.glyphs import spark_top, sparkline


def test_a_steady_small_offset_is_a_low_line_not_a_full_bar() -> None:
    steady = [0.002] * 20  # 2 ms, every tick
    assert set(sparkline(steady, 20, ascii_only=True)) == {"@"}  # scaled to itself: pegged, the old lie
    top = spark_top(steady, Config().thresholds.ntp_offset_seconds.warn)
    assert top == 0.1
    assert set(sparkline(steady, 20, top=top, ascii_only=True)) == {"."}  # the lowest mark: 2% of the warning


def test_the_top_grows_with_values_above_the_level_and_falls_back_without_one() -> None:
    assert spark_top([0.05, 0.3], 0.1) == 0.3
    assert spark_top([-0.4, 0.1], 0.1) == 0.4  # offsets are signed; the scale is their magnitude
    assert spark_top([12.0], None) == 12.0
    assert spark_top([], None) is None


def test_memory_bar_draws_cache_outside_the_warning_colours_and_has_a_legend() -> None:
    warning_colours = {style.split()[-1] for style in SEVERITY_STYLE.values()}
    assert not warning_colours & {style for _name, style in MEM_PARTS}
    view = MemoryView(**{f.name: None for f in fields(MemoryView) if f.name != "total_bytes"},
                      total_bytes=8 << 30)  # type: ignore[arg-type]
    text = memory_lines(view, Config().thresholds, 20)
    assert "used" in text.plain and "cache" in text.plain and "buffers" in text.plain
    assert not any(str(span.style) in {"yellow", "bold yellow"} for span in text.spans)
