"""`dapper-tui dap [--port N]`: the engine as a Debug Adapter Protocol server.

On stdio (the default) the program being debugged runs in this very process, so the protocol stream must be
out of its reach: the real stdin/stdout are duplicated to private descriptors at startup, fd 0 becomes
/dev/null and fd 1 becomes a copy of stderr. The program's `print` goes through the engine's ProgramIO into
`output` events; anything that still writes to fd 1 (a C extension, a child process) lands on stderr instead of
corrupting the protocol.

With `--port N` it listens on 127.0.0.1:N (0 picks a free port; the port is printed on stderr as
`dapper-tui dap: listening on 127.0.0.1:PORT`) and serves one client at a time, each with a fresh session,
until interrupted (`--once`: only the first client).
"""

from __future__ import annotations

import argparse
import os
import select
import socket
import sys
import threading
from collections.abc import Callable

from ..main_thread import MainThreadRunner, exit_now
from .adapter import DapAdapter
from .protocol import MessageReader, MessageWriter


def serve(
    read_some: Callable[[], bytes],
    write_all: Callable[[bytes], None],
    readable: Callable[[float], bool] | None = None,
    runner: MainThreadRunner | None = None,
) -> int:
    """Serve one client until it disconnects or its stream ends. Returns the exit code.

    ``readable(timeout)``: whether ``read_some`` has bytes within ``timeout`` seconds (see MessageReader)."""
    writer = MessageWriter(write_all)
    reader = MessageReader(read_some, readable)
    adapter = DapAdapter(writer, runner=runner)
    modules_before = set(sys.modules)
    try:
        while not adapter.done.is_set():
            message = reader.read()
            if message is None:
                break  # the client went away: end the session cleanly
            adapter.handle(message)
    finally:
        adapter.close()
        writer.closed = True
        _forget_program_modules(modules_before)
    return 0


def _forget_program_modules(before: set[str]) -> None:
    """The next client's program must import its modules afresh, as in a new process."""
    from ..sources import is_user_file

    for name in set(sys.modules) - before:
        file = getattr(sys.modules.get(name), "__file__", None)
        if isinstance(file, str) and is_user_file(file):
            sys.modules.pop(name, None)


def _readable(source: int | socket.socket) -> Callable[[float], bool]:
    def readable(timeout: float) -> bool:
        try:
            return bool(select.select([source], [], [], timeout)[0])
        except (OSError, ValueError):
            return True  # let the read itself report the problem

    return readable


def _write_fd(fd: int) -> Callable[[bytes], None]:
    def write_all(data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]

    return write_all


def serve_stdio(runner: MainThreadRunner | None = None) -> int:
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    in_fd = os.dup(0)
    out_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    try:
        return serve(lambda: os.read(in_fd, 65536), _write_fd(out_fd), _readable(in_fd), runner)
    finally:
        for fd in (in_fd, out_fd):
            try:
                os.close(fd)
            except OSError:
                pass


def serve_tcp(
    port: int, *, once: bool = False, host: str = "127.0.0.1", runner: MainThreadRunner | None = None
) -> int:
    listener = socket.create_server((host, port))
    actual = listener.getsockname()[1]
    print(f"dapper-tui dap: listening on {host}:{actual}", file=sys.stderr, flush=True)
    try:
        while True:
            conn, _ = listener.accept()
            with conn:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                lock = threading.Lock()

                def send(data: bytes, conn: socket.socket = conn, lock: threading.Lock = lock) -> None:
                    with lock:
                        conn.sendall(data)

                serve(lambda conn=conn: conn.recv(65536), send, _readable(conn), runner)
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            if once:
                return 0
    except KeyboardInterrupt:
        return 0
    finally:
        listener.close()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dapper-tui dap", description="Debug Adapter Protocol server (stdio by default)"
    )
    p.add_argument("--port", type=int, help="listen on TCP 127.0.0.1:PORT instead (0: any free port)")
    p.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    p.add_argument("--once", action="store_true", help="with --port: serve one client, then exit")
    return p


def main(argv: list[str] | None = None) -> int:
    """Serve on a thread of its own: the program being debugged gets the main thread (see main_thread.py)."""
    ns = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    runner = MainThreadRunner()
    codes: list[int] = []

    def serve_clients() -> None:
        try:
            if ns.port is not None:
                codes.append(serve_tcp(ns.port, once=ns.once, host=ns.host, runner=runner))
            else:
                codes.append(serve_stdio(runner))
        finally:
            runner.close()

    server = threading.Thread(target=serve_clients, name="dapper-tui dap")
    server.start()
    try:
        runner.serve()
    except KeyboardInterrupt:  # Ctrl+C with no program running ends the server, as before
        exit_now(0)
    server.join()
    code = codes[0] if codes else 1
    _exit_if_stuck(code)
    return code


def _exit_if_stuck(code: int) -> None:
    """A program thread that ignores the end of the session would keep the interpreter from exiting."""
    for t in threading.enumerate():
        if t is threading.current_thread() or t.daemon:
            continue
        t.join(1.0)
        if t.is_alive():
            exit_now(code)


if __name__ == "__main__":
    raise SystemExit(main())
