"""contrib/edgetop.example.yaml parses, shows the defaults, and documents every schema field.

Fields of sections that are mappings must be real keys in the file; fields of dataclasses that
only occur inside lists (SNMP targets, sensor overrides) may be documented in a commented example.
A new schema field without its line in the example fails here, so the example stays complete.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from typing import Any

import yaml

from edgetop.config import parse_config, to_plain
from edgetop.config_schema import Config, Secret
from tests.helpers import REPO

EXAMPLE = REPO / "contrib" / "edgetop.example.yaml"


def _dataclass_args(hint: Any) -> list[type[Any]]:
    """Dataclass types inside a hint such as ``tuple[SnmpTarget, ...] | None``."""
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return [hint]
    return [t for arg in typing.get_args(hint) for t in _dataclass_args(arg)]


def _documented_in_text(text: str, name: str) -> bool:
    return re.search(rf"^\s*#?\s*(?:-\s*)?{re.escape(name)}(?:_file|_env)?:", text, re.M) is not None


def _missing(cls: type[Any], data: Any, text: str, path: str, in_list: bool) -> list[str]:
    out: list[str] = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.metadata.get("internal"):
            continue
        key = f"{path}.{f.name}" if path else f.name
        present = isinstance(data, dict) and (f.name in data or (
            hints[f.name] in (Secret, Secret | None) and {f"{f.name}_file", f"{f.name}_env"} & set(data)))
        if not present and not (in_list and _documented_in_text(text, f.name)):
            out.append(key)
            continue
        hint = hints[f.name]
        for sub in _dataclass_args(hint):
            origins = {typing.get_origin(hint), *(typing.get_origin(a) for a in typing.get_args(hint))}
            nested_in_list = in_list or tuple in origins
            value = data.get(f.name) if isinstance(data, dict) else None
            out += _missing(sub, value, text, key, nested_in_list)
    return out


def test_example_parses_cleanly_and_shows_the_defaults() -> None:
    text = EXAMPLE.read_text()
    cfg = parse_config(text, str(EXAMPLE), env={})
    assert cfg.warnings == ()
    assert to_plain(cfg) == to_plain(Config()), "the example's values must be the defaults (mark others 'example')"


def test_every_schema_field_is_documented() -> None:
    text = EXAMPLE.read_text()
    data = yaml.safe_load(text)
    missing = _missing(Config, data, text, "", in_list=False)
    assert missing == [], f"document these keys in {EXAMPLE.name}: {missing}"


def test_every_key_has_a_comment_nearby() -> None:
    """Each top-level key has a comment just above it (or on its line), so the file reads as documentation."""
    lines = EXAMPLE.read_text().splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^[a-z_]+:", line):
            before = [ln for ln in lines[max(0, i - 3):i] if ln.strip()]
            assert "#" in line or any(ln.lstrip().startswith("#") for ln in before), (
                f"line {i + 1} {line!r} has no comment near it")


def test_checker_catches_an_undocumented_field() -> None:
    """The completeness check itself can fail."""
    text = "interval: 1\n"
    assert "read_only" in _missing(Config, yaml.safe_load(text), text, "", in_list=False)
