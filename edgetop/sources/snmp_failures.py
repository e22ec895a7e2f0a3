"""SNMP failures in words a technician can act on, from pysnmp's error indications.

Messages are built from our own words, the user name, the host's port and the protocol
names; never from a key, so a message can go to the screen, the JSON and the logs.
"""

from __future__ import annotations

from typing import Any

from pysnmp.proto import errind

from edgetop.config_schema import SnmpTarget


class SnmpFailure(Exception):
    """A poll that did not succeed, explained.

    Attributes:
        kind: a short code (``timeout``, ``auth``, ``priv``, ``user``, ``access``, ``dns``…).
        message: one sentence a technician can act on; never holds a secret.
        reachable: True when the agent answered (a config problem), False when it did not.

    """

    def __init__(self, kind: str, message: str, reachable: bool) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.reachable = reachable


def classify(indication: Any, status: Any, target: SnmpTarget) -> SnmpFailure | None:
    """Turn pysnmp's errorIndication / errorStatus into words; None when there is no error."""
    user = target.user or "?"
    if indication:
        if isinstance(indication, errind.RequestTimedOut):
            return SnmpFailure("timeout", timeout_words(target), False)
        if isinstance(indication, errind.WrongDigest | errind.AuthenticationFailure):
            return SnmpFailure(
                "auth", f"wrong auth key or protocol ({target.auth_protocol}) for user {user}"
                " (the agent reports a wrong digest)", True)
        if isinstance(indication, errind.UnknownUserName | errind.UnknownSecurityName):
            return SnmpFailure("user", f"the agent does not know user {user} (check createUser on the agent)", True)
        if isinstance(indication, errind.UnsupportedSecurityLevel):
            return SnmpFailure(
                "level", f"user {user} exists but not with this security level ({_level(target)}); check the"
                " agent's auth/priv settings for the user", True)
        if isinstance(indication, errind.DecryptionError):
            return SnmpFailure("priv", f"cannot decrypt the answer: privacy key or protocol ({target.priv_protocol})"
                               f" wrong for user {user}", True)
        if isinstance(indication, errind.EncryptionError):
            return SnmpFailure("priv", "privacy is not available: install the Python 'cryptography' package", False)
        if isinstance(indication, errind.NotInTimeWindow):
            return SnmpFailure("time", "the agent's boot counter or clock moved (restarted?); edgetop resyncs on the"
                               " next poll", True)
        if isinstance(indication, errind.UnknownEngineID):
            return SnmpFailure("engine", "engine ID discovery failed (the agent changed its engine ID?)", True)
        return SnmpFailure("error", f"SNMP error: {type(indication).__name__}", True)
    if status and str(status) != "noError":
        name = status.prettyPrint() if hasattr(status, "prettyPrint") else str(status)
        if name in ("authorizationError", "noAccess"):
            return SnmpFailure("access", f"user {user} is not authorised for this request (check the agent's"
                               " rouser/access and view for the user)", True)
        return SnmpFailure("error", f"the agent refused the request: {name}", True)
    return None


def _level(target: SnmpTarget) -> str:
    if target.priv_protocol:
        return "authPriv"
    return "authNoPriv" if target.auth_protocol else "noAuthNoPriv"


def timeout_words(target: SnmpTarget, probed: bool = False) -> str:
    """Say what silence means, verdict first (a narrow screen cuts the end)."""
    tries = f"no answer in {target.timeout:g} s x{target.retries + 1}"
    if probed:
        tries += ", nor to an authNoPriv probe"
    if target.version == "2c":
        return f"host down, udp/{target.port} filtered, no agent or wrong community ({tries})"
    return f"host down, udp/{target.port} filtered or no agent ({tries})"
