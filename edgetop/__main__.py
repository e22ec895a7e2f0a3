"""``python -m edgetop`` and the ``edgetop`` command.

The command line is imported inside the guard: a Ctrl-C while Textual, libvirt or pysnmp
are still being imported ends edgetop quietly with 130, as a shell expects, instead of
printing a traceback on the node's terminal.
"""

from __future__ import annotations

EXIT_INTERRUPTED = 130  # 128 + SIGINT


def run() -> int:
    """Run edgetop; the exit code of the command, or 130 after a Ctrl-C anywhere."""
    try:
        from edgetop.cli import main

        return main()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    raise SystemExit(run())
