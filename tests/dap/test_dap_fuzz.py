"""Fuzzing the DAP server (hypothesis): framing (random headers, lengths, split points, garbage) and the argument
types of the main requests. The server never dies, answers every request whose `seq` can be read (a broken one
with an error response), and serves a valid request right after.

Most cases run against an in-process server (`serve()` over a socketpair, no program launched) for speed; a few
run against a real `dapper-tui dap --port` subprocess."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from dapclient import DapClient
from dapper_tui.engine.dap.server import serve
from helpers import write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FAST = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))


class InProcess:
    """`serve()` on a thread, its client on the other end of a socketpair."""

    def __init__(self) -> None:
        self.server_end, client_end = socket.socketpair()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        client_end.settimeout(None)

        def close() -> None:
            try:
                client_end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            client_end.close()

        self.client = DapClient(client_end.sendall, lambda: client_end.recv(65536), close)

    def _serve(self) -> None:
        import select

        sock = self.server_end

        def readable(timeout: float) -> bool:
            return bool(select.select([sock], [], [], timeout)[0])

        lock = threading.Lock()

        def send(data: bytes) -> None:
            with lock:
                sock.sendall(data)

        serve(lambda: sock.recv(65536), send, readable)
        sock.close()


@pytest.fixture(scope="module")
def server() -> Iterator[InProcess]:
    s = InProcess()
    s.client.request("initialize", {"adapterID": "fuzz"})
    yield s
    assert s.thread.is_alive(), "the server died"
    s.client._close()
    s.thread.join(10)


def next_seq(client: DapClient) -> int:
    client.seq += 1
    return client.seq


def still_serving(s: InProcess) -> None:
    assert s.thread.is_alive(), "the server died"
    assert s.client.request("threads", timeout=5) == {"threads": []}


# -- framing ------------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=20)
    | st.just("\ud800"),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)
length_headers = st.sampled_from(
    [
        b"Content-Length: %d\r\n\r\n",
        b"content-length:%d\r\n\r\n",
        b"CONTENT-LENGTH :  %d  \r\n\r\n",
        b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: %d\r\n\r\n",
        b"Content-Length: %d\r\nX-Other: yes\r\n\r\n",
    ]
)


def framed(header: bytes, body: bytes) -> bytes:
    return header % len(body) + body


@st.composite
def answerable_frames(draw: Any) -> Callable[[int], bytes]:
    """A frame with a correct length whose request has a readable seq (given later: the server must answer that
    seq), as a function of the seq."""
    header = draw(length_headers)
    kind = draw(
        st.sampled_from(
            [
                "valid",
                "bad json",
                "bad command",
                "bad arguments",
                "not utf-8",
                "no type",
                "bad type",
                "float seq",
            ]
        )
    )
    changes: dict[str, Any] = {}
    tail = b""
    bad_length = b""
    if kind == "bad json":
        tail = draw(st.sampled_from([b", }", b", 'x': 1}", b"}}", b", ,}"]))
    elif kind == "bad command":
        changes["command"] = draw(json_values.filter(lambda v: not isinstance(v, str) or not v))
    elif kind == "bad arguments":
        changes["arguments"] = draw(json_values.filter(lambda v: not isinstance(v, dict) and v is not None))
    elif kind == "not utf-8":
        tail = b', "x": "\xff\xfe"}'
    elif kind == "bad length":
        bad_length = draw(st.sampled_from([b"Content-Length: x\r\n\r\n", b"Content-Length: -3\r\n\r\n"]))
        bad_length = draw(st.just(bad_length) | st.just(b"Content-Length: 99999999999999\r\n\r\n"))
    elif kind == "bad type":
        changes["type"] = draw(json_values.filter(lambda v: v not in ("request", "response", "event")))

    def make(seq: int) -> bytes:
        message: dict[str, Any] = {"seq": float(seq) if kind == "float seq" else seq, "type": "request"}
        message["command"] = "threads"
        message.update(changes)
        if kind == "no type":
            del message["type"]
        body = json.dumps(message).encode()
        if tail:
            body = body[:-1] + tail
        if kind == "bad length":
            return bad_length + body
        return framed(header, body)

    return make


garbage = st.one_of(
    st.binary(max_size=60).filter(lambda b: b"content-length" not in b.lower() and b"\r\n\r\n" not in b),
    st.sampled_from(
        [b"\r\n", b"Content-Length: x\r\n\r\n", b"Content-Length: -1\r\n\r\n", b"Foo: 1\r\n\r\n"]
    ),
)


@FAST
@given(data=st.data())
def test_framing(server: InProcess, data: st.DataObject) -> None:
    client = server.client
    pieces: list[bytes] = []
    expected: list[int] = []
    for _ in range(data.draw(st.integers(1, 4))):
        if data.draw(st.booleans()):
            pieces.append(data.draw(garbage))  # followed by a frame's own header, so it stands alone
        make = data.draw(answerable_frames())
        expected.append(next_seq(client))
        pieces.append(make(expected[-1]))
    stream = b"".join(pieces)
    cuts = sorted(c % (len(stream) + 1) for c in data.draw(st.lists(st.integers(0, 10**6), max_size=6)))
    for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        if b > a:
            client.send_raw(stream[a:b])
    for seq in expected:
        response = client.response(seq, timeout=5)
        assert response["type"] == "response"
        assert isinstance(response["success"], bool)
        if not response["success"]:
            assert isinstance(response["message"], str)
            assert response["message"]
    still_serving(server)


@FAST
@given(
    body=json_values.map(lambda v: json.dumps(v).encode()) | st.binary(max_size=80),
    delta=st.integers(-30, 30),
    header=length_headers,
)
def test_wrong_lengths_and_random_bodies(server: InProcess, body: bytes, delta: int, header: bytes) -> None:
    length = max(0, len(body) + delta)
    server.client.send_raw(header % length + body)
    if delta > 0:
        # a length too long swallows the next bytes: pad so the valid request after it starts clean
        server.client.send_raw(b" " * delta)
    still_serving(server)


# -- argument types -----------------------------------------------------------------------------------------

ARGUMENTS = {
    "initialize": ["adapterID", "clientID", "linesStartAt1", "columnsStartAt1", "pathFormat"],
    "setBreakpoints": ["source", "breakpoints", "lines"],
    "setFunctionBreakpoints": ["breakpoints"],
    "setExceptionBreakpoints": ["filters", "filterOptions"],
    "threads": [],
    "stackTrace": ["threadId", "startFrame", "levels"],
    "scopes": ["frameId"],
    "variables": ["variablesReference", "start", "count"],
    "evaluate": ["expression", "frameId", "context"],
    "setVariable": ["variablesReference", "name", "value"],
    "continue": ["threadId"],
    "next": ["threadId"],
    "stepIn": ["threadId", "targetId"],
    "stepOut": ["threadId"],
    "pause": ["threadId"],
    "restartFrame": ["frameId"],
    "gotoTargets": ["source", "line"],
    "goto": ["threadId", "targetId"],
    "source": ["source", "sourceReference"],
    "loadedSources": [],
    "exceptionInfo": ["threadId"],
    "configurationDone": [],
    "terminate": [],
    "dapper/hotReload": ["source", "options"],
    "attach": ["justMyCode"],
    # never a real program: the server runs in this process
    "launch": ["program", "module", "args", "cwd", "env", "stopOnEntry", "justMyCode"],
}
SAFE_STRINGS = {
    "program": st.sampled_from(["/nonexistent/prog.py", "", "relative/nothing.py"]),
    "module": st.sampled_from(["zz_no_such_module_fuzz", "", "zz.no.such"]),
}
arg_values = json_values | st.dictionaries(
    st.sampled_from(["path", "name", "sourceReference", "line", "condition"]), json_values, max_size=3
)


@st.composite
def requests(draw: Any) -> tuple[str, dict[str, Any]]:
    command = draw(st.sampled_from(sorted(ARGUMENTS)))
    args: dict[str, Any] = {}
    for key in draw(st.lists(st.sampled_from(ARGUMENTS[command] or ["x"]), unique=True)):
        value = draw(arg_values)
        if key in SAFE_STRINGS and isinstance(value, str):
            value = draw(SAFE_STRINGS[key])
        args[key] = value
    if command == "launch" and not any(isinstance(args.get(k), str) and args[k] for k in SAFE_STRINGS):
        args.pop("cwd", None)
    return command, args


@FAST
@given(request=requests())
def test_argument_types(server: InProcess, request: tuple[str, dict[str, Any]]) -> None:
    command, args = request
    client = server.client
    seq = client.send(command, args)
    response = client.response(seq, timeout=5)
    assert response["request_seq"] == seq
    assert response["command"] == command
    assert isinstance(response["success"], bool)
    if not response["success"]:
        assert isinstance(response["message"], str)
        assert response["message"]
    still_serving(server)


# -- a real server ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> Iterator[DapClient]:
    client = DapClient.tcp()
    client.initialize()
    yield client
    assert client.proc is not None, client.stderr()
    assert client.proc.poll() is None, client.stderr()
    client.request("disconnect")
    client.stop_server()


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_framing_against_a_real_server(real: DapClient, data: st.DataObject) -> None:
    make = data.draw(answerable_frames())
    junk = data.draw(garbage)
    seq = next_seq(real)
    stream = junk + make(seq)
    cut = data.draw(st.integers(0, 10**6)) % (len(stream) + 1)
    real.send_raw(stream[:cut])
    real.send_raw(stream[cut:])
    assert isinstance(real.response(seq, timeout=5)["success"], bool)
    command, args = data.draw(requests())
    response = real.response(real.send(command, args), timeout=5)
    assert response["command"] == command
    assert real.request("threads", timeout=5) == {"threads": []}


# -- a real server with a stopped program -------------------------------------------------------------------

STOPPED_COMMANDS = [
    "threads",
    "stackTrace",
    "scopes",
    "variables",
    "evaluate",
    "exceptionInfo",
    "source",
    "loadedSources",
    "setBreakpoints",
    "setFunctionBreakpoints",
    "setExceptionBreakpoints",
    "gotoTargets",
]
SAFE_EXPRESSIONS = st.sampled_from(["x", "x + 1", "data", "data['k']", "nothing_here", "1/0", "(", ""])


@pytest.fixture(scope="module")
def stopped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DapClient, dict[str, list[int]]]]:
    prog = write(
        tmp_path_factory.mktemp("fuzz"),
        "stopped.py",
        """\
        def work(x):
            data = {"k": [1, 2, {"deep": (3, 4)}], "s": "text"}
            return x  # stop here
        work(41)
        """,
    )
    client = DapClient.stdio()
    client.start(prog, {prog: [{"line": 3}]})
    stop = client.stopped()
    tid = stop["threadId"]
    frames = client.request("stackTrace", {"threadId": tid})["stackFrames"]
    scopes = client.request("scopes", {"frameId": frames[0]["id"]})["scopes"]
    ids = {
        "threadId": [tid],
        "frameId": [f["id"] for f in frames],
        "variablesReference": [s["variablesReference"] for s in scopes],
    }
    yield client, ids
    assert client.close() == 0, client.stderr()


@st.composite
def stopped_requests(draw: Any, ids: dict[str, list[int]]) -> tuple[str, dict[str, Any]]:
    command = draw(st.sampled_from(STOPPED_COMMANDS))
    args: dict[str, Any] = {}
    for key in draw(st.lists(st.sampled_from(ARGUMENTS[command] or ["x"]), unique=True)):
        if key in ids and draw(st.booleans()):
            args[key] = draw(st.sampled_from(ids[key]))
        elif key == "expression":
            args[key] = draw(SAFE_EXPRESSIONS | json_values.filter(lambda v: not isinstance(v, str)))
        else:
            args[key] = draw(arg_values)
    return command, args


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_argument_types_with_a_stopped_program(
    stopped: tuple[DapClient, dict[str, list[int]]], data: st.DataObject
) -> None:
    client, ids = stopped
    command, args = data.draw(stopped_requests(ids))
    response = client.response(client.send(command, args), timeout=10)
    assert response["command"] == command
    assert isinstance(response["success"], bool)
    if not response["success"]:
        assert isinstance(response["message"], str)
        assert response["message"]
    # still stopped where it was, and still served
    threads = client.request("threads", timeout=10)["threads"]
    assert [t["id"] for t in threads] == ids["threadId"]
    assert client.request("stackTrace", {"threadId": ids["threadId"][0]})["stackFrames"][0]["line"] == 3
