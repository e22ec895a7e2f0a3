"""The command line as the man page and the completions see it: edgetop's own argparse parser.

Both generators read the parser that ``edgetop`` itself runs (``edgetop.cli.build_parser``),
so an option added there appears in the man page and the completions at the next build
without anyone editing them. What differs from a run: paths in the help are the documented
defaults rather than the building user's, and the shipped theme names are known.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, one-line help and parser."""

    name: str
    help: str
    parser: argparse.ArgumentParser


def parser() -> argparse.ArgumentParser:
    """Edgetop's parser, built with the documented defaults in its help texts."""
    # default_log_path() reads XDG_STATE_HOME when the parser is built: show the default
    # every user has, not the path of whoever builds the bundle.
    os.environ["XDG_STATE_HOME"] = "~/.local/state"
    sys.path.insert(0, str(ROOT))
    from edgetop.cli import build_parser

    return build_parser()


def commands(top: argparse.ArgumentParser) -> list[Command]:
    """The subcommands, in the order ``--help`` lists them."""
    for action in top._actions:  # argparse has no public accessor for its subparsers
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            return [Command(name, helps.get(name, ""), sub) for name, sub in action.choices.items()]
    return []


def own_options(sub: argparse.ArgumentParser, top: argparse.ArgumentParser) -> list[argparse.Action]:
    """A subcommand's options that the top-level parser does not have (``--listen``, ``--schema``)."""
    shared = {s for a in top._actions for s in a.option_strings}
    return [a for a in sub._actions if not isinstance(a, argparse._HelpAction)
            and not (a.option_strings and set(a.option_strings) <= shared)]


def shipped_themes() -> list[str]:
    """The theme names edgetop ships (``--theme`` also takes the user's and Textual's own)."""
    from edgetop.theming import SHIPPED_DIR, parse_theme

    return [parse_theme(p.read_text(encoding="utf-8"), str(p)).name for p in sorted(SHIPPED_DIR.glob("*.yaml"))]
