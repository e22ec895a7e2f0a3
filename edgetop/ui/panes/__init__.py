"""Panes: dumb renderers of the latest samples in the store."""
