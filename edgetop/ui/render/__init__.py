"""Renderers shared by panes and screens: rows, cells and text blocks, no widgets."""
