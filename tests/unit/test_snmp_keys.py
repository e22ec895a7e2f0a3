"""USM master keys: RFC 3414's test vectors, and equal to pysnmp's own derivation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pysnmp.entity import config as pysnmp_config

from edgetop.sources.snmp_keys import HASH_OF_AUTH, master_key
from edgetop.sources.snmp_session import AUTH_PROTOCOLS, PRIV_PROTOCOLS


def test_rfc3414_a3_vectors() -> None:
    # RFC 3414 A.3.1 and A.3.2: passphrase "maplesyrup".
    assert master_key("MD5", "maplesyrup").hex() == "9faf3283884e92834ebc9847d8edd963"
    assert master_key("SHA", "maplesyrup").hex() == "9fb5cc0381497b3793528939ff788d5d79145211"


def test_every_configurable_auth_protocol_has_a_hash() -> None:
    assert set(AUTH_PROTOCOLS) == set(HASH_OF_AUTH)


@settings(max_examples=8, deadline=None)  # pysnmp's own derivation takes ~20 ms a key
@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=70))
def test_equal_to_pysnmps_derivation_for_auth_and_every_privacy_protocol(passphrase: str) -> None:
    for name, auth in AUTH_PROTOCOLS.items():
        ours = master_key(name, passphrase)
        assert ours == bytes(pysnmp_config.AUTH_SERVICES[auth].hash_passphrase(passphrase))
        for priv in PRIV_PROTOCOLS.values():
            # A privacy key's Ku is made with the authentication protocol's hash.
            assert ours == bytes(pysnmp_config.PRIV_SERVICES[priv].hash_passphrase(auth, passphrase))


def test_utf8_passphrases_and_bad_input() -> None:
    sha = AUTH_PROTOCOLS["SHA"]
    # Non-ASCII is hashed as its UTF-8 octets, as net-snmp reads snmpd.conf.
    assert master_key("SHA", "pässwört") == bytes(
        pysnmp_config.AUTH_SERVICES[sha].hash_passphrase("pässwört".encode().decode("latin-1")))
    with pytest.raises(ValueError, match="empty"):
        master_key("SHA", "")
    with pytest.raises(ValueError, match="no key hash"):
        master_key("SHA-1024", "maplesyrup")
