"""Headless outputs: the JSON snapshot and the Prometheus exporter."""
