"""The reconnecting connection: backoff, messages, a missing module, error wording."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from edgetop.collectors.libvirt_domains import DomainsCollector
from edgetop.errors import SourceUnavailable
from edgetop.sources import libvirt_conn
from edgetop.sources.fs import ProcFS
from edgetop.sources.libvirt_conn import INSTALL_HINT, LibvirtConnection, acquire, describe_error, release
from tests.helpers import FIXTURES

FIXTURE = FIXTURES / "libvirt" / "node.xml"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_missing_module_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(libvirt_conn, "_module", {})
    monkeypatch.setitem(sys.modules, "libvirt", None)  # makes `import libvirt` raise ImportError
    with pytest.raises(SourceUnavailable, match=r"^libvirt-python is not installed: pip install libvirt-python"):
        LibvirtConnection("qemu:///system").get()
    assert INSTALL_HINT.endswith("(needs libvirt-dev)")


def test_backoff_doubles_and_recovers(tmp_path: Path) -> None:
    clock = Clock()
    sock = tmp_path / "sock"
    conn = LibvirtConnection(f"qemu+unix:///system?socket={sock}", clock=clock)
    messages = []
    for _ in range(4):
        with pytest.raises(SourceUnavailable) as err:
            conn.get()
        messages.append(str(err.value))
        with pytest.raises(SourceUnavailable, match="retrying in"):
            conn.get()  # not due yet: no new attempt, same reason
        clock.now += 100
    assert [m.rsplit("retrying in ", 1)[1] for m in messages] == ["1s", "2s", "4s", "8s"]
    assert messages[0].startswith("cannot connect to qemu+unix:///system?socket=")
    assert "is libvirtd running?" in messages[0]
    # The URI now points at something that answers: the next due attempt connects.
    conn.uri = f"test://{FIXTURE}"
    assert conn.get() is not None and conn.connects == 1
    assert conn.hypervisor is not None and conn.hypervisor.name == "TEST"


def test_drop_reports_disconnected_and_reconnects() -> None:
    clock = Clock()
    conn = LibvirtConnection(f"test://{FIXTURE}", clock=clock)
    lv = conn.libvirt
    conn.get()

    def dropped(_c: object) -> None:
        raise lv.libvirtError("internal error: client socket is closed")

    expected = r"^disconnected: internal error: client socket is closed, retrying in 1s$"
    with pytest.raises(SourceUnavailable, match=expected):
        conn.call(dropped)
    with pytest.raises(SourceUnavailable, match=r"^disconnected: "):
        conn.get()
    clock.now += 1.0
    assert conn.call(lambda c: c.getType()) == "TEST"
    assert conn.connects == 2


def test_other_errors_pass_through() -> None:
    conn = LibvirtConnection(f"test://{FIXTURE}")
    lv = conn.libvirt
    with pytest.raises(lv.libvirtError):
        conn.call(lambda c: c.lookupByName("no such domain"))
    assert conn.connects == 1 and conn.get() is not None  # still connected


@pytest.mark.parametrize(("message", "expected"), [
    ("Failed to connect socket to '/var/run/libvirt/libvirt-sock': Permission denied",
     "permission denied on /var/run/libvirt/libvirt-sock: add the user to the 'libvirt' group"),
    ("authentication unavailable: no polkit agent available to authenticate action 'x': Permission denied",
     "permission denied: add the user to the 'libvirt' group"),
    ("Failed to connect socket to '/x/libvirt-sock': No such file or directory",
     "cannot reach libvirtd: Failed to connect socket to '/x/libvirt-sock'"),
    ("Failed to connect socket to '/x': Connection refused", "libvirtd refused the connection for URI"),
    ("", "Exception"),
])
def test_error_wording(message: str, expected: str) -> None:
    assert describe_error(Exception(message), "URI").startswith(expected)


def test_shared_connection_is_counted() -> None:
    uri = f"test://{FIXTURE}"
    a, b = acquire(uri), acquire(uri)
    assert a is b
    a.get()
    release(a)
    assert a._conn is not None  # one holder left
    release(b)
    assert a._conn is None and uri not in libvirt_conn._shared


def _connect_message(uri: str) -> str:
    try:
        LibvirtConnection(uri).get()
    except SourceUnavailable as err:
        return str(err)
    return "connected"


def test_permission_denied_on_a_real_socket_names_the_group() -> None:
    import os
    import shutil
    import socket
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="edgetop-perm-", dir="/tmp"))
    try:
        os.chmod(root, 0o755)  # noqa: S103 - the unprivileged child must reach the socket itself
        path = root / "libvirt-sock"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(path))
        sock.listen(1)
        os.chmod(path, 0)
        uri = f"qemu+unix:///system?socket={path}"
        if os.geteuid() != 0:
            message = _connect_message(uri)
        else:  # root passes permission checks: ask from a child that dropped to nobody
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child
                try:
                    os.setgroups([])
                    os.setgid(65534)
                    os.setuid(65534)
                    os.write(write_fd, _connect_message(uri).encode())
                finally:
                    os._exit(0)
            os.close(write_fd)
            os.waitpid(pid, 0)
            with os.fdopen(read_fd, "rb") as fh:
                message = fh.read().decode()
        sock.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    assert message.startswith(f"cannot connect to {uri}: permission denied on {path}: add the user to the 'libvirt'")
    assert message.endswith("retrying in 1s")


def test_lifecycle_events_arrive_through_the_event_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    conn = LibvirtConnection(f"test://{FIXTURE}")
    lv = conn.libvirt
    # The test driver keeps state per connection: open it read-write to change a domain.
    monkeypatch.setattr(lv, "openReadOnly", lv.open)
    c = conn.get()
    assert libvirt_conn.start_event_loop() is True
    woken: list[bool] = []
    DomainsCollector(conn, ProcFS("/proc")).subscribe(lambda: woken.append(True))
    conn.listeners.append(lambda: 1 / 0)  # a broken listener must not stop the others
    c.lookupByName("router vnf").suspend()
    deadline = time.monotonic() + 10
    while not woken and time.monotonic() < deadline:
        time.sleep(0.02)
    assert conn.lifecycle_events >= 1 and woken


def test_close_callback_marks_the_connection_lost() -> None:
    clock = Clock()
    conn = LibvirtConnection(f"test://{FIXTURE}", clock=clock)
    conn.get()
    conn._on_close(None, 3, None)  # our own close: not news
    assert conn.get() is not None
    conn._on_close(None, 1, None)  # what libvirt's event thread calls when libvirtd goes away
    with pytest.raises(SourceUnavailable, match=r"^disconnected: end of file: libvirtd went away, retrying in 1s$"):
        conn.get()
    clock.now += 1
    assert conn.get() is not None and conn.connects == 2
