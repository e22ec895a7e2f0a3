"""Write the bash and zsh completions of edgetop from its argparse parser, with shtab.

Usage: python tools/gen_completions.py OUTDIR   (``make dist`` runs it)
Writes OUTDIR/bash/edgetop (for share/bash-completion/completions/) and OUTDIR/zsh/_edgetop
(for share/zsh/site-functions/). shtab walks the same parser ``edgetop`` runs
(``tools/cli_model.py``), so a new option or command is completed at the next build.
Files and directories are completed where the option takes one, and ``--theme`` offers
the shipped themes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cli_model
import shtab

PATH_METAVARS = {"FILE": shtab.FILE, "DIR": shtab.DIRECTORY}


def annotated_parser() -> object:
    """The parser with completion hints shtab reads (``action.complete``) on the copy built here."""
    top = cli_model.parser()
    themes = cli_model.shipped_themes()
    for parser in [top, *(c.parser for c in cli_model.commands(top))]:
        for action in parser._actions:
            if action.metavar in PATH_METAVARS:
                action.complete = PATH_METAVARS[action.metavar]  # type: ignore[attr-defined]
            elif action.dest == "file":  # check-config's positional
                action.complete = shtab.FILE  # type: ignore[attr-defined]
            elif action.dest == "theme":
                # Only for completion: edgetop itself also takes the user's and Textual's themes.
                action.choices = themes
    return top


def main(argv: list[str]) -> int:
    """Write both files under ``argv[0]``."""
    if not argv:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    out = Path(argv[0])
    parser = annotated_parser()
    for shell, name in (("bash", "edgetop"), ("zsh", "_edgetop")):
        (out / shell).mkdir(parents=True, exist_ok=True)
        (out / shell / name).write_text(shtab.complete(parser, shell=shell), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
