"""``keymap:`` in the config: new ids, old ids with a warning, unknown ids refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from edgetop.config import parse_config
from edgetop.errors import ConfigError


def test_old_ids_are_renamed_with_a_warning_naming_file_line_and_new_id() -> None:
    cfg = parse_config("interval: 1\nkeymap:\n  app.freeze: f\n  sensors_sort_hottest: h\n  quit: ctrl+q\n", "c.yaml",
                       env={})
    assert cfg.keymap == {"app.freeze": "f", "sensors.sort_hottest": "h", "app.quit": "ctrl+q"}
    assert cfg.warnings == (
        "c.yaml:4: keymap.sensors_sort_hottest: binding id 'sensors_sort_hottest' is now 'sensors.sort_hottest'; "
        "the old id still works, but rename it",
        "c.yaml:5: keymap.quit: binding id 'quit' is now 'app.quit'; the old id still works, but rename it",
    )


def test_current_ids_give_no_warning() -> None:
    cfg = parse_config("keymap: {app.sources: f2, table.cursor_down: 'down,j'}\n", "c.yaml", env={})
    assert cfg.keymap == {"app.sources": "f2", "table.cursor_down": "down,j"} and cfg.warnings == ()


@pytest.mark.parametrize(("key", "hint"), [("procesess.filter", "did you mean processes.filter? "),
                                           ("zzz", "")])
def test_unknown_id_is_an_error_naming_file_line_and_key(key: str, hint: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(f"keymap:\n  app.quit: q\n  {key}: x\n", "c.yaml", env={})
    assert str(info.value) == (f"c.yaml:3: keymap.{key}: unknown key binding id ({hint}every id is listed in "
                               "README.md, Keys)")


def test_check_config_prints_the_deprecation(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("keymap:\n  network_sort_traffic: B\n")
    env = {k: v for k, v in os.environ.items() if k != "EDGETOP_CONFIG"} | {
        "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "xdg"), "XDG_STATE_HOME": str(tmp_path / "state"),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    result = subprocess.run([sys.executable, "-m", "edgetop", "check-config", str(cfg)], capture_output=True,
                            text=True, timeout=60, env=env, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr == (f"edgetop: warning: {cfg}:2: keymap.network_sort_traffic: binding id "
                             "'network_sort_traffic' is now 'network.sort_traffic'; the old id still works, "
                             "but rename it\n")
    assert "network.sort_traffic: B" in result.stdout
