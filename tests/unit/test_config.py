"""The strict config loader: the corpus of valid/invalid files, secrets, redaction, lookup order.

Every ``tests/fixtures/config/invalid/*.yaml`` starts with ``# error: <message>``: the exact
one-line error (file:line: key.path: reason). A message ending in ``...`` is a prefix (used
where the rest lists every allowed key, which grows as sections are added).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from edgetop.config import find_config_file, load_config, parse_config, to_plain
from edgetop.config_schema import Config, Secret
from edgetop.errors import ConfigError
from tests.helpers import FIXTURES

CORPUS = FIXTURES / "config"
VALID = sorted((CORPUS / "valid").glob("*.yaml"))
INVALID = sorted((CORPUS / "invalid").glob("*.yaml"))


def test_corpus_is_there() -> None:
    assert len(VALID) >= 5 and len(INVALID) >= 20


@pytest.mark.parametrize("path", VALID, ids=[p.name for p in VALID])
def test_valid_corpus_parses(path: Path) -> None:
    cfg = parse_config(path.read_text(), path.name, env={})
    assert isinstance(cfg, Config) and cfg.source_file == path.name


@pytest.mark.parametrize("path", INVALID, ids=[p.name for p in INVALID])
def test_invalid_corpus_gives_the_exact_message(path: Path) -> None:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# error: "), f"{path.name}: first line must be '# error: <message>'"
    expected = first.removeprefix("# error: ")
    with pytest.raises(ConfigError) as info:
        parse_config(path.read_text(), path.name, env={})
    message = str(info.value)
    assert "\n" not in message
    if expected.endswith("..."):
        assert message.startswith(expected[:-3]), message
    else:
        assert message == expected


def test_full_config_values_land_in_the_dataclasses() -> None:
    cfg = parse_config((CORPUS / "valid" / "full.yaml").read_text(), "full.yaml", env={})
    assert cfg.interval == 0.5 and cfg.read_only is True and cfg.theme == "edgetop-light"
    assert cfg.thresholds.cpu_steal_ratio.warn == 0.02 and cfg.thresholds.cpu_steal_ratio.crit == 0.10
    assert cfg.thresholds.memory_available_ratio_below.crit is None  # given partially: the rest is None
    assert cfg.thresholds.cpu_iowait_ratio == Config().thresholds.cpu_iowait_ratio  # untouched default
    assert cfg.libvirt.uri == "qemu+ssh://root@hv1/system" and cfg.libvirt.interval == 3.0
    assert cfg.ntp.servers == ("192.0.2.1", "ntp.example.net") and cfg.ntp.ptp.domain == 24
    assert cfg.network.expected_speed_mbps == {"eth0": 10000, "eth1": 10000}
    assert cfg.sensors.overrides[0].match == "coretemp-*/Package*" and cfg.sensors.overrides[0].critical == 100
    assert cfg.actions.restart_allowlist == ("chronyd",) and cfg.kiosk_options.exit_chord == "ctrl+alt+x"
    assert cfg.services == ("libvirtd", "chronyd") and cfg.keymap == {"app.quit": "ctrl+q"}


def test_null_where_optional() -> None:
    cfg = parse_config((CORPUS / "valid" / "null-optional.yaml").read_text(), "n.yaml", env={})
    assert cfg.log_file is None and cfg.actions.restart_allowlist is None


# ---- secrets ----------------------------------------------------------------------------

V2C = """snmp:
  targets:
    - name: sw
      host: 192.0.2.1
      version: "2c"
      {line}
"""


def test_secret_from_env_and_redacted_everywhere(tmp_path: Path) -> None:
    cfg = parse_config(V2C.format(line="community_env: SW_COMMUNITY"), "c.yaml", env={"SW_COMMUNITY": "s3cr3t-env"})
    secret = cfg.snmp.targets[0].community
    assert isinstance(secret, Secret) and secret.reveal() == "s3cr3t-env"
    assert "s3cr3t" not in repr(cfg) and "s3cr3t" not in str(secret)
    plain = to_plain(cfg)
    assert plain["snmp"]["targets"][0]["community"] == "<redacted>"
    assert "s3cr3t" not in repr(plain)
    assert "source_file" not in plain and "warnings" not in plain


def test_secret_from_file_and_world_readable_warning(tmp_path: Path) -> None:
    secret_file = tmp_path / "community"
    secret_file.write_text("s3cr3t-file\n")
    secret_file.chmod(0o600)
    cfg = parse_config(V2C.format(line=f"community_file: {secret_file}"), "c.yaml", env={})
    assert cfg.snmp.targets[0].community == Secret("s3cr3t-file")  # stripped
    assert cfg.warnings == ()
    secret_file.chmod(0o644)
    cfg = parse_config(V2C.format(line=f"community_file: {secret_file}"), "c.yaml", env={})
    assert cfg.warnings == (
        f"{secret_file} (snmp.targets[0].community_file) holds a secret and is readable by other users (chmod 600 it)",
    )


def test_inline_secret_in_a_world_readable_config_warns(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(V2C.format(line="community: inline-s3cr3t"))
    path.chmod(0o600)
    assert load_config(str(path), env={}).warnings == ()
    path.chmod(0o644)
    cfg = load_config(str(path), env={})
    assert cfg.warnings == (f"{path} holds a secret and is readable by other users (chmod 600 it)",)
    assert "inline-s3cr3t" not in " ".join(cfg.warnings)


def test_secret_given_inline_and_via_file_is_given_twice(tmp_path: Path) -> None:
    text = V2C.format(line="community: a\n      community_env: X")
    with pytest.raises(ConfigError, match=r"^c.yaml:7: snmp.targets\[0\].community_env: given twice$"):
        parse_config(text, "c.yaml", env={"X": "b"})


def test_secret_suffix_only_for_secret_fields() -> None:
    with pytest.raises(ConfigError, match=r"^c.yaml:1: interval_env: unknown key"):
        parse_config("interval_env: X\n", "c.yaml", env={"X": "1"})


# ---- lookup order -----------------------------------------------------------------------

def _write(path: Path, text: str = "interval: 1\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_lookup_order(tmp_path: Path) -> None:
    explicit = _write(tmp_path / "explicit.yaml")
    from_env = _write(tmp_path / "env.yaml")
    xdg = _write(tmp_path / "xdg" / "edgetop" / "config.yaml")
    env = {"EDGETOP_CONFIG": str(from_env), "XDG_CONFIG_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path)}
    assert find_config_file(str(explicit), env) == explicit
    assert find_config_file(None, env) == from_env
    assert find_config_file(None, {k: v for k, v in env.items() if k != "EDGETOP_CONFIG"}) == xdg
    # without XDG_CONFIG_HOME, ~/.config is used
    home_cfg = _write(tmp_path / "home" / ".config" / "edgetop" / "config.yaml")
    assert find_config_file(None, {"HOME": str(tmp_path / "home")}) == home_cfg
    etc = Path("/etc/edgetop/config.yaml")
    assert find_config_file(None, {"HOME": str(tmp_path / "nobody")}) == (etc if etc.is_file() else None)


@pytest.mark.parametrize("where", ["explicit", "env"])
def test_named_config_that_is_missing_is_an_error(tmp_path: Path, where: str) -> None:
    missing = tmp_path / "nope.yaml"
    env = {"HOME": str(tmp_path)} | ({"EDGETOP_CONFIG": str(missing)} if where == "env" else {})
    with pytest.raises(ConfigError, match=f"^{missing}: no such config file$"):
        load_config(str(missing) if where == "explicit" else None, env=env)


def test_overrides_win_and_none_overrides_are_ignored(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.yaml", "interval: 3\ntheme: edgetop-light\n")
    cfg = load_config(str(path), overrides={"interval": 0.5, "theme": None}, env={})
    assert cfg.interval == 0.5 and cfg.theme == "edgetop-light" and cfg.source_file == str(path)


def test_unreadable_config_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"interval: \xff\xfe\n")
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(str(path), env={})


def test_no_config_gives_defaults(tmp_path: Path) -> None:
    cfg = load_config(None, env={"HOME": str(tmp_path / "empty")})
    if not Path("/etc/edgetop/config.yaml").is_file():
        assert dataclasses.replace(cfg) == Config()


def test_config_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Config().interval = 5  # type: ignore[misc]
    assert os.environ.get("EDGETOP_TEST_UNSET_VARIABLE") is None  # the corpus relies on it


def test_relative_secret_file_is_relative_to_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "community").write_text("rel-s3cr3t\n")
    (etc / "community").chmod(0o600)
    config = etc / "config.yaml"
    config.write_text(V2C.format(line="community_file: community"))
    config.chmod(0o600)
    monkeypatch.chdir(tmp_path)  # not the config's directory
    cfg = load_config(str(config), env={})
    assert cfg.snmp.targets[0].community == Secret("rel-s3cr3t") and cfg.warnings == ()
