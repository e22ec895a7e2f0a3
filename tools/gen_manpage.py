"""Write edgetop.1, the manual page, from edgetop's argparse parser.

Usage: python tools/gen_manpage.py OUT.1 [VERSION]   (``make dist`` runs it)

The synopsis, the commands and every option with its help come from the parser
(``tools/cli_model.py``), so the page cannot drift from the program; the sections argparse
does not know (files, environment, exit status) are written here, next to the code that
decides them, and a test checks them against the program.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

import cli_model


def roff(text: str) -> str:
    r"""Escape text for roff: backslashes, hyphens, characters beyond ASCII, a dot or quote at a line start.

    Non-ASCII characters (the help's "…") become groff's ``\[uXXXX]`` so that the page reads
    the same whether or not man runs it through preconv.
    """
    text = text.replace("\\", "\\e").replace("-", "\\-")
    text = "".join(c if ord(c) < 128 else f"\\[u{ord(c):04X}]" for c in text)
    return "\n".join("\\&" + line if line.startswith((".", "'")) else line for line in text.split("\n"))


def option_head(action: argparse.Action) -> str:
    r"""``\fB\-\-config\fR \fIFILE\fR`` for an option, ``\fIFILE\fR`` for a positional."""
    metavar = action.metavar or (action.dest.upper() if action.option_strings else action.dest)
    takes_value = action.nargs != 0
    if not action.option_strings:
        arg = f"\\fI{roff(str(metavar))}\\fR"
        return f"[{arg}]" if action.nargs == "?" else arg
    names = ", ".join(f"\\fB{roff(s)}\\fR" for s in action.option_strings)
    return f"{names} \\fI{roff(str(metavar))}\\fR" if takes_value else names


def options(actions: list[argparse.Action]) -> list[str]:
    """One tagged paragraph per option."""
    out: list[str] = []
    for action in actions:
        if isinstance(action, argparse._HelpAction):
            out += [".TP", "\\fB\\-h\\fR, \\fB\\-\\-help\\fR", "print the usage and exit"]
            continue
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._SubParsersAction):
            continue
        out += [".TP", option_head(action), roff(action.help or "")]
    return out


def synopsis_item(action: argparse.Action) -> str:
    """One bracketed item of the synopsis."""
    return f"[{option_head(action)}]" if action.option_strings else option_head(action)


def page(version: str, date: str) -> str:
    """The whole page."""
    top = cli_model.parser()
    cmds = cli_model.commands(top)
    common = next(g for g in top._action_groups if g.title == "common options")
    lines = [
        f'.TH EDGETOP 1 "{date}" "edgetop {roff(version)}" "User Commands"',
        ".SH NAME",
        "edgetop \\- a top\\-like terminal UI for virtualized edge nodes",
        ".SH SYNOPSIS",
        ".B edgetop",
        "[\\fIOPTIONS\\fR]",
        ".br",
    ]
    for cmd in cmds:
        own = " ".join(synopsis_item(a) for a in cli_model.own_options(cmd.parser, top))
        lines += [".B edgetop", f"[\\fIOPTIONS\\fR] \\fB{cmd.name}\\fR {own}".rstrip(), ".br"]
    lines += [".B edgetop", "\\fB\\-\\-version\\fR",
              ".SH DESCRIPTION", roff(top.description or ""),
              ".PP",
              "Without a command, edgetop starts the full\\-screen view; press \\fB?\\fR in it for the keys. "
              "A source the node lacks shows as \\fIunavailable: reason\\fR in its pane and in the sources "
              "view; everything else keeps working.",
              ".SH COMMANDS"]
    for cmd in cmds:
        lines += [".TP", f"\\fB{cmd.name}\\fR", roff(cmd.help)]
        own = cli_model.own_options(cmd.parser, top)
        if own:
            lines += [".RS", *options(own), ".RE"]
    lines += [".SH OPTIONS",
              "These options are taken before or after the command "
              "(\\fBedgetop \\-\\-demo snapshot\\fR and \\fBedgetop snapshot \\-\\-demo\\fR are the same).",
              *options([a for a in top._actions if a in common._group_actions or a.dest in ("help", "version")])]
    lines += [
        ".SH FILES",
        ".TP", "\\fI$XDG_CONFIG_HOME/edgetop/config.yaml\\fR (\\fI~/.config/edgetop/config.yaml\\fR), "
        "\\fI/etc/edgetop/config.yaml\\fR",
        "the configuration, after \\fB\\-\\-config\\fR and \\fB$EDGETOP_CONFIG\\fR; "
        "\\fBedgetop check\\-config\\fR validates one and prints the effective settings",
        ".TP", "\\fI$XDG_CONFIG_HOME/edgetop/themes/*.yaml\\fR",
        "your own themes, beside the shipped ones",
        ".TP", "\\fI$XDG_STATE_HOME/edgetop/edgetop.log\\fR (\\fI~/.local/state/edgetop/edgetop.log\\fR)",
        "where unexpected errors go, unless \\fB\\-\\-log\\-file\\fR says otherwise",
        ".TP", "\\fI/usr/local/share/doc/edgetop/edgetop.example.yaml\\fR",
        "every configuration key with its default (the offline bundle installs it there)",
        ".TP", "\\fI/usr/local/share/edgetop/contrib/\\fR",
        "systemd units for a kiosk on tty1 and for the Prometheus exporter",
        ".SH ENVIRONMENT",
        ".TP", "\\fBEDGETOP_CONFIG\\fR", "the configuration file, when \\fB\\-\\-config\\fR is not given",
        ".TP", "\\fBXDG_CONFIG_HOME\\fR, \\fBXDG_STATE_HOME\\fR", "where the configuration and the log are looked for",
        ".TP", "\\fBTERM\\fR", "\\fBlinux\\fR (the console) selects 16 colours and glyphs the console font can draw",
        ".SH EXIT STATUS",
        ".TP", "\\fB0\\fR", "success",
        ".TP", "\\fB1\\fR", "the command could not do its work (the snapshot's reader went away, "
        "the exporter cannot listen)",
        ".TP", "\\fB2\\fR", "a wrong option, or a configuration error (one line naming file, line and key)",
        ".TP", "\\fB130\\fR", "interrupted (Ctrl\\-C during \\fBsnapshot\\fR)",
        ".SH SEE ALSO",
        "\\fBvirsh\\fR(1), \\fBtop\\fR(1), \\fBchronyc\\fR(1), \\fBsnmpget\\fR(1), \\fBsystemd\\-analyze\\fR(1)",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """Write the page to ``argv[0]``; ``argv[1]`` is the version (default: the package's)."""
    if not argv:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    version = argv[1] if len(argv) > 1 else __import__("edgetop").__version__
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    Path(argv[0]).write_text(page(version, date), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
