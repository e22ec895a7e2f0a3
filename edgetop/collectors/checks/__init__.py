"""``edgetop check``: the node's set-up checked against what a KVM edge node needs.

One module per area (virt, libvirtd, kernel_log, host, guests, monitor) holds its facts,
how they are read, and the pure check functions over them; ``joined`` holds the checks
that reuse another pane's verdict; ``collector`` is the one collector spec.
"""
