"""`dapper-tui dap [--port N]`: the engine as a Debug Adapter Protocol server.

On stdio (the default) the program being debugged runs in this very process, so the protocol stream must be
out of its reach: the real stdin/stdout are duplicated to private descriptors at startup (moved to high,
close-on-exec numbers, see channel.py), fd 0 becomes /dev/null and fd 1 becomes a copy of stderr. The program's
`print` goes through the engine's ProgramIO into `output` events; anything that still writes to fd 1 (a C
extension, a child process) lands on stderr instead of corrupting the protocol.

With `--port N` it listens on 127.0.0.1:N (0 picks a free port). It prints a token, then the port, on stderr:

    dapper-tui dap: token XXXX (pass it as "dapperToken" in the initialize, launch or attach arguments)
    dapper-tui dap: listening on 127.0.0.1:PORT

and serves one client at a time, each with a fresh session, until interrupted (`--once`: only the first
client). A client must show the token (see auth.py); `--no-token` turns that off, for loopback only. A second
client while one is connected is told the server is busy and closed at once. A client that stops in the middle
of a message, or has not shown the token, for `--frame-timeout` seconds is dropped (a stranger cannot hold the
one client slot).
"""

from __future__ import annotations

import argparse
import functools
import ipaddress
import os
import queue
import socket
import sys
import threading
from collections.abc import Callable

from ..main_thread import MainThreadRunner, exit_now
from . import replies
from .adapter import DapAdapter
from .auth import TOKEN_ARG, TokenGate, server_token
from .channel import Channel, move_high, move_socket_high, socket_readable
from .protocol import FrameError, MessageReader, MessageWriter

# a client that sends part of a message and then nothing is dropped after this many seconds (--port only)
FRAME_TIMEOUT = 30.0
# a turned-away second client gets this long to send its first request (answered with the busy error)
_BUSY_WAIT = 2.0
# a client that connects while another is leaving (its disconnect answered) is served if it left within this
_LEAVING_WAIT = 0.5
_MAX_TURN_AWAY = 8  # second clients answered at once; more are just closed
# taken at import: a program that patches socket.socket's methods does not reach the channel
_recv = socket.socket.recv
_sendall = socket.socket.sendall


def _log(text: str) -> None:
    try:
        print(text, file=sys.__stderr__, flush=True)
    except (OSError, ValueError, AttributeError):
        pass  # stderr closed by the program


def serve(
    read_some: Callable[[], bytes],
    write_all: Callable[[bytes], None],
    readable: Callable[[float], bool] | None = None,
    runner: MainThreadRunner | None = None,
    *,
    token: str | None = None,
    frame_timeout: float | None = None,
    on_client_gone: Callable[[], None] | None = None,
    hang_up: Callable[[], None] | None = None,
) -> int:
    """Serve one client until it disconnects or its stream ends. Returns the exit code.

    ``readable(timeout)``: whether ``read_some`` has bytes within ``timeout`` seconds (see MessageReader).
    ``token``: the client must show it (see auth.py). ``frame_timeout``: drop a client stalled mid-message.
    ``on_client_gone``: called once the client has gone (before the session is closed).
    ``hang_up``: closes the connection; with a token and a frame_timeout, a client that has not shown the token
    that long is hung up on (an idle stranger must not keep the one client slot)."""
    writer = MessageWriter(write_all)
    reader = MessageReader(read_some, readable, partial_timeout=frame_timeout)
    adapter = DapAdapter(writer, runner=runner)
    gate = TokenGate(token)
    timer: threading.Timer | None = None
    if token is not None:
        writer.gate("initialized")  # the cue for configuration requests: only once the token was shown
        if hang_up is not None and frame_timeout is not None:
            timer = _token_deadline(gate, frame_timeout, hang_up)
    modules_before = set(sys.modules)
    try:
        _pump(reader, writer, adapter, gate)
    finally:
        if timer is not None:
            timer.cancel()
        if on_client_gone is not None:
            on_client_gone()
        adapter.close()
        writer.closed = True
        _forget_program_modules(modules_before)
    return 0


def _token_deadline(gate: TokenGate, frame_timeout: float, hang_up: Callable[[], None]) -> threading.Timer:
    """Started at connect: hangs up on a client that has not shown the token within ``frame_timeout``."""

    def too_slow() -> None:
        if not gate.passed:
            _log(f"dapper-tui dap: a client did not show the token within {frame_timeout:g} s: dropped")
            hang_up()

    timer = threading.Timer(frame_timeout, too_slow)
    timer.daemon = True
    timer.start()
    return timer


def _pump(reader: MessageReader, writer: MessageWriter, adapter: DapAdapter, gate: TokenGate) -> None:
    """Read and handle the client's messages until it disconnects, its stream ends or breaks, or it is refused."""
    while not adapter.done.is_set():
        message = reader.read()
        if message is None:
            return  # the client went away: end the session cleanly
        if isinstance(message, FrameError) and message.fatal:
            _log(f"dapper-tui dap: {message.reason}")
            return
        verdict = gate.check(message)
        if not verdict.allowed:
            _refuse(writer, message, verdict.reason)
            return
        adapter.handle(message)
        if verdict.authenticated_now:
            writer.open_gate()  # the initialized event kept back from a token-less initialize


def _refuse(writer: MessageWriter, message: object, reason: str) -> None:
    """An unauthenticated request: answered with the reason (nothing is carried out), then the client is closed."""
    _log(f"dapper-tui dap: refused a client: {reason}")
    if isinstance(message, dict):
        seq, command = message.get("seq"), message.get("command")
        if isinstance(seq, int) and not isinstance(seq, bool):
            writer.response(replies.error(seq, command if isinstance(command, str) else "", reason))
    writer.event("terminated")


def _forget_program_modules(before: set[str]) -> None:
    """The next client's program must import its modules afresh, as in a new process."""
    from ..sources import is_user_file

    for name in set(sys.modules) - before:
        file = getattr(sys.modules.get(name), "__file__", None)
        if isinstance(file, str) and is_user_file(file):
            sys.modules.pop(name, None)


def serve_stdio(runner: MainThreadRunner | None = None) -> int:
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    channel_in = Channel(move_high(os.dup(0)))
    channel_out = Channel(move_high(os.dup(1)))
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    try:
        return serve(channel_in.read_some, channel_out.write_all, channel_in.readable, runner)
    finally:
        channel_in.close()
        channel_out.close()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve_tcp(
    port: int,
    *,
    once: bool = False,
    host: str = "127.0.0.1",
    runner: MainThreadRunner | None = None,
    token: str | None = None,
    frame_timeout: float | None = FRAME_TIMEOUT,
) -> int:
    """Serve clients on host:port, one at a time; ``token``: what each must show (None: no check)."""
    if token is None and not is_loopback(host):
        raise ValueError(f"--host {host} is not a loopback address: that needs the token (drop --no-token)")
    listener = move_socket_high(socket.create_server((host, port)))
    _announce(token, host, listener.getsockname()[1])
    clients: queue.SimpleQueue[socket.socket] = queue.SimpleQueue()
    busy = threading.Lock()  # held while a client is connected (or about to be served)
    turning_away = threading.BoundedSemaphore(_MAX_TURN_AWAY)
    threading.Thread(
        target=_accept_loop,
        args=(listener, busy, clients, turning_away),
        name="dapper-tui dap accept",
        daemon=True,
    ).start()
    try:
        while True:
            conn = clients.get()
            released: list[bool] = []

            def gone(released: list[bool] = released) -> None:
                if not released:
                    released.append(True)
                    busy.release()

            try:
                _serve_connection(conn, runner, token, frame_timeout, gone)
            finally:
                gone()
                if once:
                    _close_listener(listener)
            if once:
                return 0
    except KeyboardInterrupt:
        return 0
    finally:
        _close_listener(listener)


def _announce(token: str | None, host: str, port: int) -> None:
    """The token, then the address, on stderr (see the module docstring)."""
    if token is not None:
        _log(
            f"dapper-tui dap: token {token} "
            f'(pass it as "{TOKEN_ARG}" in the initialize, launch or attach arguments)'
        )
    else:
        _log("dapper-tui dap: no token (--no-token): any local user can connect and run programs as you")
    _log(f"dapper-tui dap: listening on {host}:{port}")


def _accept_loop(
    listener: socket.socket,
    busy: threading.Lock,
    clients: queue.SimpleQueue[socket.socket],
    turning_away: threading.BoundedSemaphore,
) -> None:
    """Hands each new client to the serving loop if none is connected, else turns it away; ends with the listener."""
    while True:
        try:
            conn, addr = listener.accept()
        except OSError:
            return  # the listener was closed: no more clients
        if busy.acquire(blocking=False):
            clients.put(conn)
        else:
            _turn_away(conn, addr, busy, clients, turning_away)


def _serve_connection(
    conn: socket.socket,
    runner: MainThreadRunner | None,
    token: str | None,
    frame_timeout: float | None,
    gone: Callable[[], None],
) -> None:
    """One client's session over its socket, which is closed at the end."""
    conn = move_socket_high(conn)
    with conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        send_lock = threading.Lock()

        def send(data: bytes) -> None:
            with send_lock:
                _sendall(conn, data)

        serve(
            functools.partial(_recv, conn, 65536),
            send,
            socket_readable(conn),
            runner,
            token=token,
            frame_timeout=frame_timeout,
            on_client_gone=gone,  # a client from now on waits for the session's end: not turned away
            hang_up=functools.partial(_shut, conn),
        )
        _shut(conn)


def _shut(conn: socket.socket) -> None:
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _close_listener(listener: socket.socket) -> None:
    try:
        listener.shutdown(socket.SHUT_RDWR)  # wakes the accept thread
    except OSError:
        pass
    listener.close()


def _turn_away(
    conn: socket.socket,
    addr: object,
    busy: threading.Lock,
    clients: queue.SimpleQueue[socket.socket],
    slots: threading.BoundedSemaphore,
) -> None:
    """A second client while one is served: told so at once (an `output` event, and an error response to its
    first request), then closed. Unless the first one is just leaving (a client that reconnects right after its
    `disconnect` response, while its session still winds down): then it is served."""
    if not slots.acquire(blocking=False):
        conn.close()
        return

    def answer() -> None:
        if busy.acquire(timeout=_LEAVING_WAIT):
            slots.release()
            clients.put(conn)
            return
        _log(f"dapper-tui dap: turned away a second client ({addr}): busy with another")
        try:
            _answer_busy(conn)
        except OSError:
            pass
        finally:
            slots.release()

    threading.Thread(target=answer, name="dapper-tui dap busy", daemon=True).start()


def _answer_busy(conn: socket.socket) -> None:
    """Tells a turned-away client the server is busy (an event, and an error for its first request), then closes it."""
    text = (
        "dapper-tui dap: busy: another client is connected to this server; try again once it has disconnected"
    )
    with conn:
        conn.settimeout(_BUSY_WAIT)
        writer = MessageWriter(conn.sendall)
        writer.event("output", {"category": "important", "output": text + "\n"})
        reader = MessageReader(lambda: conn.recv(65536), socket_readable(conn), partial_timeout=_BUSY_WAIT)
        if socket_readable(conn)(_BUSY_WAIT):
            message = reader.read()
            if isinstance(message, dict):
                seq, command = message.get("seq"), message.get("command")
                if isinstance(seq, int) and not isinstance(seq, bool):
                    writer.response(replies.error(seq, command if isinstance(command, str) else "", text))
        writer.event("terminated")
        _shut(conn)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dapper-tui dap", description="Debug Adapter Protocol server (stdio by default)"
    )
    p.add_argument("--port", type=int, help="listen on TCP 127.0.0.1:PORT instead (0: any free port)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="with --port: the address to listen on (default 127.0.0.1; any other than loopback needs the token)",
    )
    p.add_argument("--once", action="store_true", help="with --port: serve one client, then exit")
    p.add_argument(
        "--no-token",
        action="store_true",
        help=f'with --port: do not require the "{TOKEN_ARG}" (trusted single-user machines; loopback only)',
    )
    p.add_argument(
        "--frame-timeout",
        type=float,
        default=FRAME_TIMEOUT,
        metavar="SECONDS",
        help="with --port: drop a client that stops in the middle of a message, or has not shown the token, "
        f"this long (default {FRAME_TIMEOUT:g})",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Serve on a thread of its own: the program being debugged gets the main thread (see main_thread.py)."""
    parser = _parser()
    ns = parser.parse_args(sys.argv[1:] if argv is None else argv)
    token: str | None = None
    if ns.port is not None:
        if ns.no_token and not is_loopback(ns.host):
            parser.error(
                f"--no-token with --host {ns.host}: a server on a non-loopback address must require the token"
            )
        if not ns.no_token:
            try:
                token = server_token()
            except ValueError as exc:
                parser.error(str(exc))
    runner = MainThreadRunner()
    codes: list[int] = []

    def serve_clients() -> None:
        try:
            if ns.port is not None:
                codes.append(
                    serve_tcp(
                        ns.port,
                        once=ns.once,
                        host=ns.host,
                        runner=runner,
                        token=token,
                        frame_timeout=ns.frame_timeout if ns.frame_timeout > 0 else None,
                    )
                )
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
