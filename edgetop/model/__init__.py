"""The contracts every layer shares: readings, alerts, collector specs, the context, derive helpers.

Pure data and pure functions: no I/O, no threads, no Textual. Everything above imports
from here; this package imports only ``edgetop.config_schema``, ``edgetop.errors`` and
the source types a context carries (``edgetop.sources``).
"""
