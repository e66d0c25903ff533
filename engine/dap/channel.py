"""The DAP server's own descriptors, kept out of the debugged program's reach.

The program runs in the server's process. A program that closes a range of descriptors (`os.closerange(0, 256)`,
daemon-style code) or `dup2`s over low ones must not cut the protocol stream or make the server write its
messages into the program's files. So the stream's descriptors are moved to high numbers (above what such code
closes, close-on-exec so no child inherits them), and each write first re-checks that the descriptor is still
the one the server opened (same device and inode): if not, the channel counts as gone rather than writing into
whatever took its place. The functions the channel calls (`os.read`, `os.write`, `select.select`) are taken at
import, so a program that patches them does not reach the channel either.
"""

from __future__ import annotations

import fcntl
import os
import resource
import select
import socket
from collections.abc import Callable

_read = os.read
_write = os.write
_fstat = os.fstat
_close = os.close
_select = select.select
_fcntl = fcntl.fcntl
_F_DUPFD_CLOEXEC = fcntl.F_DUPFD_CLOEXEC

LOW_FDS = 256  # descriptors below this are the program's to close


def _floor() -> int:
    """The lowest number a channel descriptor may get: high above LOW_FDS when the limit allows."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft > 4096:
        soft = 4096
    return max(3, min(soft - 64, 1000))


def move_high(fd: int) -> int:
    """A close-on-exec copy of `fd` at a high number; `fd` itself is closed."""
    try:
        new = _fcntl(fd, _F_DUPFD_CLOEXEC, _floor())
    except OSError:
        return fd  # no room up there: keep it where it is
    _close(fd)
    return new


def move_socket_high(sock: socket.socket) -> socket.socket:
    fd = move_high(sock.detach())
    return socket.socket(fileno=fd)


class Channel:
    """One descriptor of the protocol stream, with the identity it had when it was opened."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        st = _fstat(fd)
        self._id = (st.st_dev, st.st_ino)

    def intact(self) -> bool:
        try:
            st = _fstat(self.fd)
        except OSError:
            return False
        return (st.st_dev, st.st_ino) == self._id

    def _check(self) -> None:
        if not self.intact():
            raise OSError(f"the protocol channel (fd {self.fd}) was closed or replaced by the program")

    def read_some(self) -> bytes:
        self._check()
        return _read(self.fd, 65536)

    def write_all(self, data: bytes) -> None:
        self._check()
        view = memoryview(data)
        while view:
            n = _write(self.fd, view)
            view = view[n:]

    def readable(self, timeout: float) -> bool:
        try:
            return bool(_select([self.fd], [], [], timeout)[0])
        except (OSError, ValueError):
            return True  # let the read itself report the problem

    def close(self) -> None:
        if not self.intact():
            return  # not ours any more
        try:
            _close(self.fd)
        except OSError:
            pass


def socket_readable(sock: socket.socket) -> Callable[[float], bool]:
    def readable(timeout: float) -> bool:
        try:
            return bool(_select([sock], [], [], timeout)[0])
        except (OSError, ValueError):
            return True

    return readable
