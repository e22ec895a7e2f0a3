"""A name from outside as long as 300 characters: cut with an ellipsis in its column, whole in the detail view."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len
from textual.widgets import Static

from edgetop.collectors.libvirt_domains import DomainsCollector
from edgetop.sources.fs import ProcFS
from edgetop.sources.libvirt_conn import LibvirtConnection
from edgetop.ui.fmt import NAME_CAP, clip, literal
from edgetop.ui.screens.domain_detail import DomainDetailScreen
from tests.helpers import FIXTURES
from tests.ui.test_domains_pane import App, domains_spec

LONG = "vm-" + "abcdefghij" * 29 + "-end"  # 297 + 4 = 301 characters, '/' not allowed by libvirt
ROUTER = "11111111-0000-4000-8000-000000000001"


def test_clip_and_literal_cap() -> None:
    assert clip("short", 8) == "short"
    assert clip("exactly8", 8) == "exactly8"
    assert clip("nine-long", 8) == "nine-lo…"
    assert clip("日本語の名前", 5) == "日本…"  # cells, not characters: 2 + 2 + 1
    assert cell_len(clip(LONG, NAME_CAP)) == NAME_CAP
    assert literal("[b]" * 40, cap=10).plain == "[b][b][b]…"  # still literal, never markup
    assert literal(LONG).plain == LONG  # no cap asked: whole


async def test_a_300_character_domain_name_leaves_the_other_columns_on_screen(tmp_path: Path) -> None:
    node = tmp_path / "node.xml"
    node.write_text((FIXTURES / "libvirt" / "node.xml").read_text().replace("<name>router vnf</name>",
                                                                              f"<name>{LONG}</name>"))
    app = App()
    async with app.run_test(size=(80, 25)) as pilot:
        col = DomainsCollector(LibvirtConnection(f"test://{node}"), ProcFS("/proc"))
        app.feed(domains_spec(), col(), monotonic=100.0)
        app.feed(domains_spec(), col(), monotonic=101.0)
        await pilot.pause()
        table = app.pane.table
        shown = table.get_cell(ROUTER, "name").plain
        assert shown.endswith("…") and cell_len(shown) == NAME_CAP and LONG.startswith(shown[:-1])
        header = "".join(seg.text for seg in table.render_line(0))
        assert cell_len(header) <= 80
        for label in ("Name", "State", "vCPU", "CPU%", "Steal%"):
            assert label in header, header
        row = next(y for y in range(1, 6) if "vm-abcdefghij" in "".join(s.text for s in table.render_line(y)))
        assert "running" in "".join(seg.text for seg in table.render_line(row))
        # The detail view has the whole name.
        app.pane.table.focus()
        table.move_cursor(row=table.get_row_index(ROUTER))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DomainDetailScreen)
        fields = app.screen.query_one("#detail-fields", Static)
        assert LONG in str(fields.render()).replace("\n", "")
