"""Every column header on every pane and detail screen has a glossary entry; every key text names a real key."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from edgetop.config_schema import KEYMAP_IDS
from edgetop.ui.glossary import TERMS, lookup, terms_for
from edgetop.ui.keyhelp import KEY_TEXT
from edgetop.ui.pane_list import PANES
from edgetop.ui.screens.domain_detail import VCPU_COLUMNS
from edgetop.ui.screens.snmp_detail import VALUE_COLUMNS
from edgetop.ui.screens.sources import COLUMNS as SOURCES_COLUMNS
from edgetop.ui.widgets.fast_table import FastTable
from tests.ui.harness import PaneHarness


def labels(pairs: object) -> list[str]:
    return [str(label) for _key, label in pairs]  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", [(80, 25), (160, 40)])  # the network pane has more columns when wide
async def test_every_pane_column_header_has_an_entry(size: tuple[int, int]) -> None:
    missing: list[str] = []
    seen = 0
    for entry in PANES:
        app = PaneHarness(entry.load())
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            headers: list[str] = []
            for widget in app.query("*"):
                if isinstance(widget, FastTable):
                    headers += [c.label for c in widget.columns]
                elif isinstance(widget, DataTable):
                    headers += [str(c.label) for c in widget.columns.values()]
            seen += len(headers)
            missing += [f"{entry.pane_id}: {h!r}" for h in headers if lookup(entry.pane_id, h) is None]
    assert seen > 60  # the panes really were mounted with their tables
    assert missing == [], f"explain these column headers in edgetop/ui/glossary.py TERMS: {missing}"


@pytest.mark.parametrize(("place", "columns"), [("domain_detail", VCPU_COLUMNS), ("snmp_detail", VALUE_COLUMNS),
                                                ("sources", SOURCES_COLUMNS)])
def test_every_detail_screen_column_has_an_entry(place: str, columns: object) -> None:
    assert [h for h in labels(columns) if lookup(place, h) is None] == []


def test_a_header_means_what_its_place_says() -> None:
    cpu = lookup("domains", "CPU%")
    assert cpu is not None and "per vCPU" in cpu.text
    for marked in ("CPU% ▼", "▲CPU%", "CPU% v", "CPU%^"):  # sort markers are ignored
        proc = lookup("processes", marked)
        assert proc is not None and "one whole CPU" in proc.text, marked
    assert lookup("nowhere", "Squeeze") is not None  # the general term
    assert lookup("cpu", "no such column") is None


def test_the_words_the_issue_names_are_explained() -> None:
    names = {t.name.lower() for t in TERMS if not t.places}
    assert {"steal", "delay", "squeeze", "usable", "wait", "offset", "balloon"} <= names
    first = terms_for("domains")[0]
    assert "domains" in first.places  # the screen's own columns first


def test_key_texts_name_real_bindings() -> None:
    assert set(KEY_TEXT) <= KEYMAP_IDS
    missing = sorted(i for i in KEYMAP_IDS if not i.startswith(("table.", "app.pane_")) and i not in KEY_TEXT)
    assert missing == [], f"say what these keys do in plain words in edgetop/ui/keyhelp.py KEY_TEXT: {missing}"


def test_readme_glossary_names_every_word() -> None:
    from pathlib import Path

    readme = Path(__file__).resolve().parents[2] / "README.md"
    section = readme.read_text().split("## Glossary", 1)[1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| ")}
    assert {t.name for t in TERMS if not t.places} <= rows
