"""edgetop: a top-like terminal UI for virtualized edge nodes."""

__version__ = "0.1.0"
