"""The snapshot's JSON Schema (edgetop/snapshot.schema.json) against real ``snapshot`` output.

Two directions: every key the output has is declared (the schema is closed for the test,
so an undocumented key fails), and every key the schema declares is produced by the demo
(so a key that was removed or renamed fails too). The shipped schema itself stays open:
a newer edgetop may add keys, and consumers are told to ignore what they do not know.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import subprocess
import sys
import types
import typing
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import pytest

from edgetop.collectors import bonding, memory, net_problems, sensors, services, snmp_profiles, sys_class_net
from edgetop.collectors.libvirt_stats import STATE_NAMES
from edgetop.collectors.ntp_types import KINDS, LEAP_BY_CODE

SCHEMA: dict[str, Any] = json.loads(files("edgetop").joinpath("snapshot.schema.json").read_text())
# Keys whose presence depends on this host's kernel rather than on edgetop: PSI's "full"
# line, KSM and huge page pools. Everything else the schema declares must be in the demo.
HOST_DEPENDENT = ("$.cpu.pressure.", "$.memory.pressure.", "$.memory.ksm.", "$.memory.hugepages[].")


def closed(schema: Any) -> Any:
    """A copy in which every object that lists its properties allows no others."""
    out = copy.deepcopy(schema)
    stack = [out]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return out


def declared_paths(schema: dict[str, Any]) -> set[str]:
    """Every property path the schema declares (``$.domains[].balloon.rss_bytes``)."""
    defs = schema["$defs"]
    out: set[str] = set()

    def walk(node: Any, path: str) -> None:
        if not isinstance(node, dict):
            return
        if "$ref" in node:
            walk(defs[node["$ref"].rsplit("/", 1)[1]], path)
            return
        for key, sub in node.get("properties", {}).items():
            out.add(f"{path}.{key}")
            walk(sub, f"{path}.{key}")
        if "items" in node:
            walk(node["items"], f"{path}[]")
        for sub in node.get("anyOf", []):
            walk(sub, path)

    walk(schema, "$")
    return out


def produced_paths(doc: Any, path: str = "$") -> set[str]:
    """Every key path present in a snapshot (the keys of ``sources`` are collector names, not declared)."""
    out: set[str] = set()
    if isinstance(doc, dict):
        for key, value in doc.items():
            if path == "$.sources":
                continue
            out.add(f"{path}.{key}")
            out |= produced_paths(value, f"{path}.{key}")
    elif isinstance(doc, list):
        for value in doc:
            out |= produced_paths(value, f"{path}[]")
    return out


def validate(doc: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(closed(SCHEMA))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in validator.iter_errors(doc)]
    assert not errors, "\n".join(errors[:20])


def edgetop(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "EDGETOP_CONFIG"}
    env |= {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "xdg"), "XDG_STATE_HOME": str(tmp_path / "state")}
    return subprocess.run([sys.executable, "-m", "edgetop", *args], capture_output=True, text=True, timeout=120,
                          env=env, cwd=tmp_path, check=False)


def snapshot(tmp_path: Path, *args: str) -> dict[str, Any]:
    result = edgetop(tmp_path, "snapshot", "--interval", "0.3", *args)
    assert result.returncode == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator.check_schema(closed(SCHEMA))


def test_snapshot_schema_prints_the_shipped_file_even_with_a_broken_config(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("interval: fast\n")
    result = edgetop(tmp_path, "snapshot", "--schema", "--config", str(tmp_path / "bad.yaml"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == SCHEMA


def test_demo_snapshot_matches_the_schema_both_ways(tmp_path: Path) -> None:
    doc = snapshot(tmp_path, "--demo")
    validate(doc)
    missing = {p for p in declared_paths(SCHEMA) - produced_paths(doc) if not p.startswith(HOST_DEPENDENT)}
    assert not missing, f"declared in the schema but not produced by snapshot --demo: {sorted(missing)}"
    assert doc["domains"] and doc["snmp"] and doc["network"]["bonds"]  # the demo filled what it stands in for


def test_live_snapshot_of_this_host_matches_the_schema(tmp_path: Path) -> None:
    validate(snapshot(tmp_path))


def test_live_snapshot_with_libvirt_domains_matches_the_schema(tmp_path: Path) -> None:
    # libvirt's test driver: a real connection through libvirt-python, with running domains.
    doc = snapshot(tmp_path, "--connect", "test:///default")
    assert doc["sources"]["domains"]["status"] == "ok" and doc["domains"]
    assert doc["host"]["hypervisor"]["uri"] == "test:///default"
    validate(doc)


def test_an_unavailable_section_is_empty_and_valid(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    doc = snapshot(tmp_path, "--procfs", str(empty), "--sysfs", str(empty))
    assert doc["cpu"] == {} and doc["memory"] == {} and doc["sources"]["cpu"]["status"] == "unavailable"
    validate(doc)


def _json_types(annotation: Any) -> set[str]:
    """The JSON types a record field's annotation turns into through ``asdict`` (dataclasses' or msgspec's)."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return set().union(*(_json_types(a) for a in typing.get_args(annotation)))
    origin = typing.get_origin(annotation) or annotation
    simple = {type(None): "null", bool: "boolean", int: "integer", float: "number", str: "string",
              tuple: "array", list: "array", dict: "object"}
    if origin in simple:
        return {simple[origin]}
    assert dataclasses.is_dataclass(origin) or issubclass(origin, msgspec.Struct), annotation
    return {"object"}


def _schema_types(prop: dict[str, Any]) -> set[str]:
    if "$ref" in prop:
        return {"object"}
    if "anyOf" in prop:
        return set().union(*(_schema_types(p) for p in prop["anyOf"]))
    if "enum" in prop:
        names = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}
        return {names[type(v)] for v in prop["enum"]}
    kind = prop["type"]
    return set(kind) if isinstance(kind, list) else {kind}


def _object_of(node: dict[str, Any]) -> dict[str, Any]:
    """The object schema behind a reference or a nullable ``anyOf``."""
    while True:
        if "$ref" in node:
            node = SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[1]]
        elif "anyOf" in node:
            node = next(n for n in node["anyOf"] if "properties" in n or "$ref" in n)
        else:
            return node


def at(path: str) -> dict[str, Any]:
    """The object schema at ``network.bonds[].slaves[]`` (``[]``: the items of an array)."""
    node = _object_of(SCHEMA)
    for part in path.split("."):
        name, items = part.removesuffix("[]"), part.endswith("[]")
        node = _object_of(node["properties"][name])
        if items:
            node = _object_of(node["items"])
    return node


# Records the snapshot writes with asdict (dataclasses' or msgspec's): their fields are the JSON's keys.
RECORDS = [
    (sensors.Sensor, "sensors[]"),
    (sys_class_net.NetInterface, "network.interfaces[]"),
    (bonding.Bond, "network.bonds[]"),
    (bonding.BondSlave, "network.bonds[].slaves[]"),
    (bonding.AdInfo, "network.bonds[].ad"),
    (net_problems.Problem, "network.problems[]"),
    (services.ServiceState, "services[]"),
    (memory.HugePages, "memory.hugepages[]"),
    (memory.Ksm, "memory.ksm"),
    (snmp_profiles.Interface, "snmp[].interfaces[]"),
    (snmp_profiles.UpsStatus, "snmp[].ups"),
    (snmp_profiles.Sensor, "snmp[].sensors[]"),
]
# The per-second rates network_json adds to each interface's fields.
RATES = {"rx_bytes_per_second", "tx_bytes_per_second", "rx_packets_per_second", "tx_packets_per_second"}


@pytest.mark.parametrize(("record", "path"), RECORDS, ids=[r.__name__ for r, _ in RECORDS])
def test_records_written_with_asdict_match_the_schema(record: type, path: str) -> None:
    props = at(path)["properties"]
    hints = typing.get_type_hints(record)
    fields = list(record.__struct_fields__) if issubclass(record, msgspec.Struct) else [
        f.name for f in dataclasses.fields(record)]
    assert set(props) == set(fields) | (RATES if record is sys_class_net.NetInterface else set())
    for name in fields:
        assert _schema_types(props[name]) == _json_types(hints[name]), name


def test_enums_match_the_code() -> None:
    assert set(at("domains[]")["properties"]["state"]["enum"]) == set(STATE_NAMES.values())
    ntp_row = at("ntp.sources[]")["properties"]
    assert set(ntp_row["kind"]["enum"]) == set(KINDS)
    assert set(ntp_row["leap"]["enum"]) == {*LEAP_BY_CODE.values(), None}
    assert set(at("snmp[]")["properties"]["profiles"]["items"]["enum"]) == set(snmp_profiles.PROFILES)
