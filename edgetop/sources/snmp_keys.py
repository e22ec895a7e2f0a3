"""SNMPv3 USM master keys (Ku) from passphrases, computed once in C instead of on the event loop.

RFC 3414 A.2.1 (MD5), A.2.2 (SHA-1) and RFC 7860 §9.3 (SHA-2): Ku is the hash of the first
1,048,576 octets of the passphrase repeated. A privacy key's Ku uses the *authentication*
protocol's hash (RFC 3414 §2.6, RFC 3826 §1.2.1); key extension for AES-192/256 and 3DES
happens later, when a key is localised to an engine ID, so Ku is the same for every
privacy protocol.

Why not leave this to pysnmp: it hashes in a Python loop of 16,384 64-octet updates, about
20 ms per key, on the event loop, when a user is first configured. With 50 SNMPv3 targets
that is two seconds of 20 ms stalls at start. ``hashlib`` hashes the whole MiB in one C call
(releasing the GIL), and pysnmp is given the master keys (``USM_KEY_TYPE_MASTER``), so it
only localises them (one short hash per engine ID).

Passphrases are encoded as UTF-8, as net-snmp reads them from ``snmpd.conf`` and the
``snmp*`` tools' command lines. (pysnmp encodes a ``str`` as Latin-1 and rejects anything
outside it, so a non-ASCII passphrase failed with "wrong digest" or not at all.)
"""

from __future__ import annotations

import hashlib

_KU_OCTETS = 1_048_576  # RFC 3414 A.2.1: 1 megabyte of the passphrase, repeated

# The hash each authentication protocol (by its config name) uses for its keys.
HASH_OF_AUTH: dict[str, str] = {
    "MD5": "md5", "SHA": "sha1", "SHA-224": "sha224", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512",
}


def master_key(auth_protocol: str, passphrase: str) -> bytes:
    """Return Ku for ``passphrase`` under ``auth_protocol`` (use it for the privacy key too).

    Raises:
        ValueError: the passphrase is empty, or the protocol has no key hash.

    """
    octets = passphrase.encode("utf-8")
    if not octets:
        raise ValueError("an SNMPv3 passphrase cannot be empty")
    name = HASH_OF_AUTH.get(auth_protocol)
    if name is None:
        raise ValueError(f"no key hash for authentication protocol {auth_protocol}")
    repeated = octets * (_KU_OCTETS // len(octets) + 1)
    return hashlib.new(name, repeated[:_KU_OCTETS]).digest()
