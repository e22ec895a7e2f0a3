"""Themes: every shipped theme parses and builds a Textual colour system; a broken user theme is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgetop.theming import SHIPPED_DIR, default_theme, load_themes, parse_theme, theme_dirs

SHIPPED = sorted(SHIPPED_DIR.glob("*.yaml"))
NAMES = {"edgetop-dark", "edgetop-light", "edgetop-high-contrast", "edgetop-console", "edgetop-kiosk"}


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    themes = tmp_path / "edgetop" / "themes"
    themes.mkdir(parents=True)
    return themes


def test_shipped_themes_are_all_there() -> None:
    assert {parse_theme(p.read_text(), str(p)).name for p in SHIPPED} == NAMES


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_theme_builds_a_textual_colour_system(path: Path) -> None:
    from textual.theme import Theme

    spec = parse_theme(path.read_text(), str(path))
    theme = Theme(spec.name, dark=spec.dark, variables=spec.variables, **spec.colors)  # type: ignore[arg-type]
    colours = theme.to_color_system().generate()
    assert colours["primary"] and colours["background"]


def test_broken_user_theme_is_reported_not_fatal(xdg: Path) -> None:
    (xdg / "broken.yaml").write_text("name: mine\nprimary: [unclosed\n")
    (xdg / "unknown-key.yaml").write_text("name: mine2\nprimary: '#fff'\nglow: 3\n")
    (xdg / "good.yaml").write_text("name: mine3\nprimary: '#123456'\n")
    (xdg / "unreadable.yaml").mkdir()  # a directory named like a theme: OSError on read
    (xdg / "bad-colour.yaml").write_text("name: mine4\nprimary: notacolour\n")
    themes, problems = load_themes()
    names = {t.name for t in themes}
    assert NAMES | {"mine3"} == names
    assert len(problems) == 4
    assert f"{xdg / 'bad-colour.yaml'}: primary: not a colour: 'notacolour'" in problems
    assert any(p.startswith(f"{xdg / 'broken.yaml'}: invalid YAML") for p in problems)
    assert f"{xdg / 'unknown-key.yaml'}: unknown key(s) glow" in problems
    assert theme_dirs()[-1] == xdg


def test_user_theme_overrides_a_shipped_one(xdg: Path) -> None:
    (xdg / "dark.yaml").write_text("name: edgetop-dark\nprimary: '#ff0000'\n")
    themes, problems = load_themes()
    assert problems == []
    (dark,) = [t for t in themes if t.name == "edgetop-dark"]
    assert dark.colors == {"primary": "#ff0000"}


@pytest.mark.parametrize(("kiosk", "console", "name"), [
    (True, True, "edgetop-kiosk"), (False, True, "edgetop-console"), (False, False, "edgetop-dark"),
])
def test_default_theme(kiosk: bool, console: bool, name: str) -> None:
    assert default_theme(kiosk, console) == name


async def test_app_starts_with_a_broken_user_theme_and_reports_it(xdg: Path, tmp_path: Path) -> None:
    """Even when the broken theme is the one asked for: a warning and the default, not a crash."""
    from edgetop.config_schema import Config
    from edgetop.model.spec import Context
    from edgetop.sources.fs import ProcFS, SysFS
    from edgetop.ui.app import EdgetopApp

    (xdg / "mine.yaml").write_text("name: mine\nprimary: notacolour\n")
    ctx = Context(config=Config(), procfs=ProcFS(tmp_path), sysfs=SysFS(tmp_path))
    app = EdgetopApp(ctx, [], read_only=True, kiosk=False, theme="mine", start_engine=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.theme != "mine"
        assert app.theme_problems == [f"{xdg / 'mine.yaml'}: primary: not a colour: 'notacolour'"]
        assert app.is_running
