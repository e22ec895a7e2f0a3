"""Load YAML configuration into frozen dataclasses, strictly.

Any unknown key, wrong type or bad value raises :class:`ConfigError` with one line
naming the file, the line and the key path (``config.yaml:12: snmp.targets[0].port:
must be a port number 1-65535``). Secrets may be given inline, as ``<key>_file`` (a
file holding the secret) or ``<key>_env`` (an environment variable).

Files are read as hostile input: only regular files (a FIFO would block, ``/dev/zero``
never ends), size-capped before a byte is read (:mod:`edgetop.sources.files`), and the
composed YAML is bounded (depth, and nodes and characters after alias expansion) before
anything is converted.
"""

from __future__ import annotations

import dataclasses
import enum
import os
import stat
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from yaml.composer import ComposerError
from yaml.events import AliasEvent

from edgetop.config_schema import Config, Secret
from edgetop.errors import ConfigError
from edgetop.sources.files import FileRefused, read_small_file, size_text

__all__ = ["Config", "ConfigError", "find_config_file", "load_config", "parse_config", "to_plain"]

MAX_CONFIG_BYTES = 1024 * 1024  # a real config is a few KiB; 50 MB took 49 s to parse
MAX_SECRET_BYTES = 4096  # SNMP keys and communities are short
# The composed document, aliases expanded: far above any real config, far below trouble.
MAX_DEPTH = 64
MAX_NODES = 100_000
MAX_CHARACTERS = 4 * MAX_CONFIG_BYTES


class _Oversized(ComposerError):
    """The composed document passed a bound (depth, or size after aliases)."""


class _BoundedLoader(yaml.SafeLoader):
    """A SafeLoader whose composer refuses deep nesting and alias bombs as it goes.

    Aliases are shared nodes, cheap to compose; what explodes is turning them into
    Python (a key that is an alias of a nested list is printed out whole). So each
    node's size *after* expansion is counted while composing, and the document is
    refused at the event that takes it past a bound, with that event's line.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0
        self._characters = 0
        self._sizes: dict[int, tuple[int, int]] = {}  # an anchored node's expanded (nodes, characters)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent):
            target = self.anchors.get(event.anchor or "")
            if target is not None:
                size = self._sizes.get(id(target))
                if size is None:  # its anchor is still open: the alias is inside the node it names
                    mark: Any = event.start_mark  # the C and pure-Python marks are alike
                    raise _Oversized(None, None, f"alias *{event.anchor} refers to a node that contains it", mark)
                self._add(*size, event)
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Oversized(None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
        nodes, characters = self._nodes, self._characters
        node = super().compose_node(parent, index)
        self._depth -= 1
        self._add(1, len(node.value) if isinstance(node, yaml.ScalarNode) else 0, event)
        if getattr(event, "anchor", None) is not None:
            self._sizes[id(node)] = (self._nodes - nodes, self._characters - characters)
        return node

    def _add(self, nodes: int, characters: int, event: Any) -> None:
        self._nodes += nodes
        self._characters += characters
        if self._nodes > MAX_NODES or self._characters > MAX_CHARACTERS:
            raise _Oversized(None, None, f"the document passes {MAX_NODES} nodes or "
                             f"{MAX_CHARACTERS // (1024 * 1024)} MiB of text once aliases are expanded "
                             "(an alias bomb?)", event.start_mark)


def find_config_file(explicit: str | None, env: Mapping[str, str] | None = None) -> Path | None:
    """Return the config file to use, in the README's order (Configuration), or None when there is none.

    An explicit ``--config`` or ``$EDGETOP_CONFIG`` that does not exist is an error;
    the XDG and /etc locations are optional.
    """
    env = os.environ if env is None else env
    for candidate in (explicit, env.get("EDGETOP_CONFIG")):
        if candidate:
            path = Path(candidate)
            if not path.exists():
                raise ConfigError(f"{path}: no such config file")
            return path
    xdg = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".config")
    for path in (Path(xdg) / "edgetop" / "config.yaml", Path("/etc/edgetop/config.yaml")):
        if path.exists():  # whatever it is: reading it says why it cannot be used
            return path
    return None


def load_config(
    explicit: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> Config:
    """Find, read and validate the config, then apply command-line overrides (which win)."""
    path = find_config_file(explicit, env)
    if path is None:
        cfg = Config()
    else:
        try:
            text = read_small_file(path, MAX_CONFIG_BYTES)
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such config file") from None
        except FileRefused as err:
            raise ConfigError(f"{path}: cannot read: {err}") from None
        cfg = parse_config(text, str(path), env)
    if overrides:
        cfg = dataclasses.replace(cfg, **{k: v for k, v in overrides.items() if v is not None})
    return cfg


def parse_config(text: str, filename: str = "<config>", env: Mapping[str, str] | None = None) -> Config:
    """Validate YAML ``text`` as a :class:`Config`; ``filename`` is used in messages."""
    builder = _Builder(filename, os.environ if env is None else env)
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{filename}: refused: more than {size_text(MAX_CONFIG_BYTES)} of text")
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
    except _Oversized as err:
        mark = err.problem_mark
        where = f"{filename}:{mark.line + 1}" if mark is not None else filename
        raise ConfigError(f"{where}: refused: {err.problem}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{filename}:{mark.line + 1}" if mark is not None else filename
        problem = getattr(err, "problem", None) or str(err)
        raise ConfigError(f"{where}: invalid YAML: {problem}") from None
    finally:
        loader.dispose()
    if node is None:
        return dataclasses.replace(Config(), source_file=filename)
    cfg: Config = builder.build(Config, node, "")
    warnings = list(builder.warnings)
    if builder.inline_secret and _readable_by_others(filename):
        warnings.append(f"{filename} holds a secret and is readable by other users (chmod 600 it)")
    return dataclasses.replace(cfg, source_file=filename, warnings=tuple(warnings))


def _readable_by_others(path: str) -> bool:
    try:
        return bool(os.stat(path).st_mode & (stat.S_IROTH | stat.S_IRGRP))
    except OSError:
        return False


class _Builder:
    """Walks a YAML node tree against dataclass type hints."""

    def __init__(self, filename: str, env: Mapping[str, str]) -> None:
        self.filename = filename
        self.env = env
        self.warnings: list[str] = []
        self.inline_secret = False
        self._loader = yaml.SafeLoader("")

    def fail(self, node: yaml.Node, path: str, message: str) -> ConfigError:
        return ConfigError(f"{self.filename}:{node.start_mark.line + 1}: {path or '<top>'}: {message}")

    def scalar(self, node: yaml.Node) -> Any:
        return self._loader.construct_object(node, deep=True)

    def key(self, node: yaml.Node, path: str) -> Any:
        """A mapping key: a scalar, never a list or mapping (which would be printed whole)."""
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, path, "a key must be a plain name, not a list or a mapping")
        return self.scalar(node)

    def build(self, cls: type[Any], node: yaml.Node, path: str) -> Any:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, path, f"expected a mapping of {cls.__name__} keys")
        hints = typing.get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
        values: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node, path)
            sub = f"{path}.{key}" if path else str(key)
            name = str(key)
            secret_via = None
            for suffix in ("_file", "_env"):
                base = name.removesuffix(suffix)
                if name.endswith(suffix) and base in fields and _is_secret(hints[base]):
                    secret_via, name = suffix, base
            if name not in fields:
                allowed = ", ".join(sorted(fields))
                raise self.fail(key_node, sub, f"unknown key (allowed: {allowed})")
            if name in values:
                raise self.fail(key_node, sub, "given twice")
            if secret_via is not None:
                values[name] = self.secret_from(value_node, sub, secret_via)
                continue
            value = self.convert(hints[name], value_node, sub)
            rename = fields[name].metadata.get("key")
            if rename is not None and isinstance(value_node, yaml.MappingNode):
                value = self.rename_keys(value_node, sub, value, rename)
            check = fields[name].metadata.get("check")
            if check is not None and value is not None:
                try:
                    check(value)
                except ValueError as err:
                    raise self.fail(value_node, sub, str(err)) from None
            values[name] = value
        missing = [
            n for n, f in fields.items()
            if n not in values and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ]
        if missing:
            raise self.fail(node, path, f"missing required key(s): {', '.join(missing)}")
        try:
            return cls(**values)
        except (TypeError, ValueError) as err:
            raise self.fail(node, path, str(err)) from None

    def rename_keys(self, node: yaml.MappingNode, path: str, value: dict[str, Any],
                    rename: Callable[[str], tuple[str, str | None]]) -> dict[str, Any]:
        """Check each key of a mapping (``keymap``): unknown is an error, an old name a warning."""
        out: dict[str, Any] = {}
        for key_node, _value_node in node.value:
            key = str(self.scalar(key_node))
            where = f"{path}.{key}"
            try:
                new, note = rename(key)
            except ValueError as err:
                raise self.fail(key_node, where, str(err)) from None
            if new in out:
                raise self.fail(key_node, where, f"given twice (as {new})")
            if note is not None:
                self.warnings.append(f"{self.filename}:{key_node.start_mark.line + 1}: {where}: {note}")
            out[new] = value[key]
        return out

    def secret_from(self, node: yaml.Node, path: str, via: str) -> Secret:
        ref = self.scalar(node)
        if not isinstance(ref, str) or not ref:
            raise self.fail(node, path, "expected a file name" if via == "_file" else "expected a variable name")
        if via == "_env":
            if ref not in self.env:
                raise self.fail(node, path, f"environment variable {ref} is not set")
            return Secret(self.env[ref])
        secret_path = Path(ref)
        if not secret_path.is_absolute() and Path(self.filename).is_file():
            # relative to the config file, not to wherever edgetop was started from
            secret_path = Path(self.filename).parent / secret_path
        try:
            value = read_small_file(secret_path, MAX_SECRET_BYTES).strip()
        except FileNotFoundError as err:
            raise self.fail(node, path, f"cannot read {ref}: {err.strerror}") from None
        except FileRefused as err:
            raise self.fail(node, path, f"cannot read {ref}: {err}") from None
        if _readable_by_others(str(secret_path)):
            self.warnings.append(f"{ref} ({path}) holds a secret and is readable by other users (chmod 600 it)")
        return Secret(value)

    def convert(self, hint: Any, node: yaml.Node, path: str) -> Any:
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin in (typing.Union, types.UnionType):
            if (isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"
                    and type(None) in args):
                return None
            options = [a for a in args if a is not type(None)]
            if len(options) == 1:
                return self.convert(options[0], node, path)
            errors = []
            for option in options:
                try:
                    return self.convert(option, node, path)
                except ConfigError as err:
                    errors.append(str(err).rsplit(": ", 1)[-1])
            raise self.fail(node, path, " or ".join(errors))
        if origin is Literal:
            value = self.scalar(node) if isinstance(node, yaml.ScalarNode) else None
            choices = [str(a) for a in args]
            if value is None or str(value) not in choices:
                raise self.fail(node, path, f"must be one of {', '.join(choices)}")
            return str(value)
        if origin is tuple:
            if not isinstance(node, yaml.SequenceNode):
                raise self.fail(node, path, "expected a list")
            return tuple(self.convert(args[0], item, f"{path}[{i}]") for i, item in enumerate(node.value))
        if origin is dict:
            if not isinstance(node, yaml.MappingNode):
                raise self.fail(node, path, "expected a mapping")
            return {str(self.key(k, path)): self.convert(args[1], v, f"{path}.{self.key(k, path)}")
                    for k, v in node.value}
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            return self.build(hint, node, path)
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, path, f"expected a single {_type_name(hint)}")
        value = self.scalar(node)
        if hint is Secret:
            if not isinstance(value, str | int):
                raise self.fail(node, path, "expected a string")
            self.inline_secret = True
            return Secret(str(value))
        if hint is bool:
            if not isinstance(value, bool):
                raise self.fail(node, path, "expected true or false")
            return value
        if hint is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise self.fail(node, path, "expected an integer")
            return value
        if hint is float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self.fail(node, path, "expected a number")
            return float(value)
        if hint is str:
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                raise self.fail(node, path, "expected a string")
            return str(value)
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            try:
                return hint(value)
            except ValueError:
                raise self.fail(node, path, f"must be one of {', '.join(str(m.value) for m in hint)}") from None
        raise self.fail(node, path, f"unsupported type {hint!r}")  # pragma: no cover - schema bug


def _is_secret(hint: Any) -> bool:
    return hint is Secret or Secret in typing.get_args(hint)


def _type_name(hint: Any) -> str:
    return getattr(hint, "__name__", str(hint))


def to_plain(value: Any) -> Any:
    """Turn a config (or part of one) into plain YAML-able data with secrets redacted."""
    if isinstance(value, Secret):
        return "<redacted>"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.metadata.get("internal")
        }
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    return value
