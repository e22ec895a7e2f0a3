"""Themes: ``themes/*.yaml`` (shipped) and ``$XDG_CONFIG_HOME/edgetop/themes/*.yaml`` (user).

A broken user theme is reported and skipped, never fatal (posting does the same).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import msgspec
import yaml

log = logging.getLogger(__name__)

# edgetop/themes is a symlink to the top-level themes/ folder, so the shipped themes are
# package data: found the same way in a checkout, an editable install and a wheel.
SHIPPED_DIR = Path(__file__).resolve().parent / "themes"
_COLOR_KEYS = ("primary", "secondary", "accent", "foreground", "background", "surface", "panel", "boost",
               "warning", "error", "success")


class ThemeSpec(msgspec.Struct, frozen=True):
    """A theme as read from YAML (kept free of Textual so it loads anywhere)."""

    name: str
    dark: bool
    colors: dict[str, str]
    variables: dict[str, str]


def theme_dirs() -> list[Path]:
    """Where themes are looked for: shipped first, the user's after (user wins on a name clash)."""
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return [SHIPPED_DIR, Path(xdg) / "edgetop" / "themes"]


def parse_theme(text: str, origin: str) -> ThemeSpec:
    """Validate a theme file.

    Raises:
        ValueError: with the file and key at fault.

    """
    try:
        data: Any = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - safe loader
    except yaml.YAMLError as err:
        raise ValueError(f"{origin}: invalid YAML: {err}") from None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise ValueError(f"{origin}: a theme needs at least 'name' and 'primary'")
    unknown = set(data) - {"name", "dark", "variables", *_COLOR_KEYS}
    if unknown:
        raise ValueError(f"{origin}: unknown key(s) {', '.join(sorted(unknown))}")
    if not isinstance(data.get("primary"), str):
        raise ValueError(f"{origin}: 'primary' colour is required")
    variables = data.get("variables") or {}
    if not isinstance(variables, dict):
        raise ValueError(f"{origin}: 'variables' must be a mapping")
    for key in _COLOR_KEYS:
        if key in data:
            _check_colour(origin, key, data[key])
    return ThemeSpec(
        name=data["name"],
        dark=bool(data.get("dark", True)),
        colors={k: str(data[k]) for k in _COLOR_KEYS if k in data},
        variables={str(k): str(v) for k, v in variables.items()},
    )


def _check_colour(origin: str, key: str, value: Any) -> None:
    """Reject a colour Textual cannot parse now, not when the theme is first painted (a crash).

    Textual is imported here, lazily, so that this module still loads without it.
    """
    from textual.color import Color, ColorParseError

    try:
        Color.parse(str(value))
    except ColorParseError:
        raise ValueError(f"{origin}: {key}: not a colour: {value!r}") from None


def load_themes() -> tuple[list[ThemeSpec], list[str]]:
    """Every readable theme, and a list of problems (file: reason) with the others."""
    themes: dict[str, ThemeSpec] = {}
    problems: list[str] = []
    for directory in theme_dirs():
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.yaml")):
            try:
                spec = parse_theme(path.read_text(encoding="utf-8"), str(path))
            except (OSError, ValueError) as err:
                problems.append(str(err))
                continue
            themes[spec.name] = spec
    return list(themes.values()), problems


def default_theme(kiosk: bool, console: bool) -> str:
    """The theme to use when none is asked for."""
    if kiosk:
        return "edgetop-kiosk"
    return "edgetop-console" if console else "edgetop-dark"
