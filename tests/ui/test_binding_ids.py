"""Every key binding id is ``<scope>.<action>``, unique, and known to the config's ``keymap:``.

The config layer cannot import the UI, so it keeps its own list of ids
(``config_schema.KEYMAP_IDS``); these tests tie that list to the bindings the UI has.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections import Counter
from collections.abc import Iterator

from textual.binding import Binding
from textual.dom import DOMNode

import edgetop.ui
from edgetop.config_schema import KEYMAP_IDS, KEYMAP_RENAMED, canonical_keymap, keymap_id
from edgetop.ui.app import EdgetopApp
from edgetop.ui.panes.base import Pane

ID = re.compile(r"^[a-z_]+\.[a-z_0-9]+$")


def edgetop_nodes() -> list[type[DOMNode]]:
    """Every app, screen, pane and widget class edgetop defines (all of edgetop.ui imported)."""
    found: list[type[DOMNode]] = []
    for info in pkgutil.walk_packages(edgetop.ui.__path__, "edgetop.ui."):
        module = importlib.import_module(info.name)
        found += [obj for obj in vars(module).values()
                  if inspect.isclass(obj) and issubclass(obj, DOMNode) and obj.__module__ == module.__name__]
    return found


def own_bindings(cls: type[DOMNode]) -> Iterator[Binding]:
    """The bindings ``cls`` itself declares (not those it inherits)."""
    for binding in cls.__dict__.get("BINDINGS", []):
        assert isinstance(binding, Binding), f"{cls.__name__}: {binding!r} is a tuple, which cannot carry an id"
        yield binding


def test_the_walk_finds_the_app_the_panes_and_the_screens() -> None:
    names = {cls.__name__ for cls in edgetop_nodes()}
    assert {"EdgetopApp", "ProcessesPane", "DomainsPane", "HelpScreen", "CpuPickerScreen", "FastTable"} <= names


def test_every_binding_has_a_scoped_id() -> None:
    bad = [(cls.__name__, b.key, b.id) for cls in edgetop_nodes() for b in own_bindings(cls)
           if b.id is None or not ID.match(b.id)]
    assert bad == [], f"binding ids must be <scope>.<action>: {bad}"


def test_each_class_has_one_scope_of_its_own() -> None:
    owner: dict[str, str] = {}
    for cls in edgetop_nodes():
        scopes = {str(b.id).split(".")[0] for b in own_bindings(cls)}
        if not scopes:
            continue
        assert len(scopes) == 1, f"{cls.__name__} mixes scopes {sorted(scopes)}"
        scope = scopes.pop()
        if issubclass(cls, Pane):
            assert scope == cls.PANE_ID, f"{cls.__name__}: a pane's keys are scoped by its pane id"
        if cls is EdgetopApp:
            assert scope == "app"
        assert owner.setdefault(scope, cls.__name__) == cls.__name__, \
            f"scope {scope!r} used by {owner[scope]} and {cls.__name__}"


def test_ids_are_unique() -> None:
    counts = Counter(b.id for cls in edgetop_nodes() for b in own_bindings(cls))
    assert [i for i, n in counts.items() if n > 1] == []


def test_the_config_knows_every_id_and_no_other() -> None:
    ids = {str(b.id) for cls in edgetop_nodes() for b in own_bindings(cls)}
    assert sorted(ids - KEYMAP_IDS) == [], "add these to config_schema.KEYMAP_IDS (and README, Keys)"
    assert sorted(KEYMAP_IDS - ids) == [], "no binding has these ids any more: keep them as KEYMAP_RENAMED aliases"


def test_old_ids_name_current_ones() -> None:
    assert set(KEYMAP_RENAMED.values()) <= KEYMAP_IDS
    assert not set(KEYMAP_RENAMED) & KEYMAP_IDS
    new, note = keymap_id("sensors_sort_hottest")
    assert new == "sensors.sort_hottest" and "sensors.sort_hottest" in str(note)
    assert keymap_id("app.quit") == ("app.quit", None)
    assert canonical_keymap({"quit": "ctrl+q", "picker_all": "A", "nonsense": "x"}) == {"app.quit": "ctrl+q",
                                                                                       "picker.all": "A"}


def test_readme_lists_every_id() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    keys = readme.split("## Keys", 1)[1].split("\n## ", 1)[0]
    missing = sorted(i for i in KEYMAP_IDS if i not in keys and not re.match(r"app\.pane_\d", i))
    assert missing == [], f"README.md, Keys: list these binding ids: {missing}"
    assert "app.pane_1" in keys
