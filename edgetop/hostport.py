"""``host``, ``host:port``, ``[v6]`` and ``[v6]:port``: split in one place.

Used for SNTP servers in the config, the exporter's ``--listen`` and anything else that
names a network endpoint. An IPv6 address with a port needs brackets (RFC 3986 §3.2.2):
``::1:123`` is read as an address, not as ``::1`` port 123.
"""

from __future__ import annotations


def split_host_port(text: str) -> tuple[str, int | None]:
    """Split ``text`` into host (brackets removed; may be empty) and port (None when absent).

    Raises:
        ValueError: the port is not a number 1-65535, or a bracket is not closed.

    """
    host, port_text = text, ""
    if text.startswith("["):
        host, closed, rest = text[1:].partition("]")
        if not closed or (rest and not rest.startswith(":")):
            raise ValueError(f"{text!r}: expected [address] or [address]:port")
        port_text = rest[1:]
        if rest and not port_text:
            raise ValueError(f"{text!r}: no port after ':'")
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        if not port_text:
            raise ValueError(f"{text!r}: no port after ':'")
    if not port_text:
        return host, None
    if not port_text.isdigit() or not port_text.isascii() or not 0 < int(port_text) < 65536:
        raise ValueError(f"{text!r}: bad port {port_text!r} (1-65535)")
    return host, int(port_text)
