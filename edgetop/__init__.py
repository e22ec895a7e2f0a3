"""edgetop: a top-like terminal UI for virtualized edge nodes."""

__all__ = ["__version__"]

try:
    # Written by setuptools-scm when edgetop is built or installed (pyproject.toml).
    from edgetop._version import __version__
except ImportError:  # a source tree that was never built or installed: no version to tell
    __version__ = "0+unknown"
