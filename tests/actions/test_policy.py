"""Unit-name grammar, status parsers and allowlist: table-driven, with Hypothesis on outside input."""

from __future__ import annotations

import contextlib
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgetop.actions.policy import parse_cap_eff, parse_stat_flags, parse_status_uids, restart_allowlist
from edgetop.config_schema import ActionsConfig, Config
from edgetop.errors import ActionDenied, ParseError
from edgetop.model.units import normalize_unit, validate_unit_name


@pytest.mark.parametrize("name", ["snmpd", "snmpd.service", "getty@tty1.service", "systemd-fsck@dev-sda1.service",
                                  "-.mount", "-.slice", "dev-disk-by\\x2duuid.device", "a:b_c.timer", "x" * 247])
def test_valid_unit_names(name: str) -> None:
    assert validate_unit_name(name) == name


@pytest.mark.parametrize(("name", "why"), [
    ("", "empty"), ("foo; rm -rf /", "characters"), ("--help", "starts with '-'"), ("-x.service", "starts with"),
    ("../x", "characters"), ("a/b", "characters"), ("é.service", "characters"), ("x" * 248, "longer than 255"),
    ("@.service", "not a valid"), ("a@b@c.service", "not a valid"), (".service", "not a valid"),
    ("foo bar", "characters"), ("foo\n", "characters"), ("$(id)", "characters"),
])
def test_invalid_unit_names(name: str, why: str) -> None:
    with pytest.raises(ActionDenied, match=why.replace("(", r"\(")):
        validate_unit_name(name)


@given(st.text(max_size=300))
def test_unit_grammar_never_lets_through_shell_or_options(name: str) -> None:
    try:
        validate_unit_name(name)
    except ActionDenied:
        return
    assert set(name) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:_.-@\\")
    assert len(normalize_unit(name)) <= 255
    assert not name.startswith("-") or name in ("-.mount", "-.slice")


def test_allowlist_defaults_to_services_and_normalises() -> None:
    assert restart_allowlist(replace(Config(), services=("snmpd", "x.socket"))) == {"snmpd.service", "x.socket"}
    cfg = replace(Config(), actions=ActionsConfig(restart_allowlist=()))
    assert restart_allowlist(cfg) == frozenset()  # an explicit empty list allows nothing


@pytest.mark.parametrize(("text", "flags"), [
    ("1 (init) S 0 1 1 0 -1 4194560 0 0", 4194560),
    ("77 (a) b) (c) R 1 77 77 0 -1 64 1 2", 64),  # comm with ') ' inside
])
def test_stat_flags(text: str, flags: int) -> None:
    assert parse_stat_flags(text) == flags


@pytest.mark.parametrize("text", ["", "1 (x)", "garbage", "1 (x) S 0 1 1 0 -1 notanumber", "1 (x) S 0 1 1 0 -1 ²"])
def test_stat_flags_malformed(text: str) -> None:
    with pytest.raises(ParseError):
        parse_stat_flags(text)


def test_status_fields() -> None:
    status = "Name:\tx\nUid:\t1000\t1001\t1000\t1000\nCapEff:\t0000000000800000\n"
    assert parse_status_uids(status) == (1000, 1001)
    assert parse_cap_eff(status) == 1 << 23
    for bad in ("", "Uid:\tx\ty\n", "CapEff:\tzz\n"):
        with pytest.raises(ParseError):
            parse_status_uids(bad) if "Cap" not in bad else parse_cap_eff(bad)


@given(st.text(max_size=200))
def test_status_parsers_raise_only_parse_error(text: str) -> None:
    for fn in (parse_stat_flags, parse_status_uids, parse_cap_eff):
        with contextlib.suppress(ParseError):
            fn(text)
