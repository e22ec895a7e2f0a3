"""Modal and full screens pushed over the panes."""
