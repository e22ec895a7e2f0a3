"""A Ctrl-C anywhere, even while edgetop's modules are still importing, ends quietly with 130."""

from __future__ import annotations

import sys
import types

import pytest

import edgetop.__main__ as entry


class _InterruptedImport(types.ModuleType):
    """Stands for ``edgetop.cli`` whose import is interrupted: looking anything up raises Ctrl-C."""

    def __getattr__(self, name: str) -> object:
        raise KeyboardInterrupt


def test_ctrl_c_while_the_command_line_imports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "edgetop.cli", _InterruptedImport("edgetop.cli"))
    assert entry.run() == entry.EXIT_INTERRUPTED


def test_ctrl_c_inside_main(monkeypatch: pytest.MonkeyPatch) -> None:
    import edgetop.cli

    def interrupted() -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(edgetop.cli, "main", interrupted)
    assert entry.run() == 130


def test_the_exit_code_of_main_is_passed_on(monkeypatch: pytest.MonkeyPatch) -> None:
    import edgetop.cli

    monkeypatch.setattr(edgetop.cli, "main", lambda: 3)
    assert entry.run() == 3
