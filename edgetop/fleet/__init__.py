"""The fleet: every edge node as a central Prometheus sees it (``edgetop fleet``)."""
