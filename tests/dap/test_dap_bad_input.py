"""Bad input to the real server (a subprocess on stdio): every bad message is reported, and the next valid request
is still answered. A request inside a broken frame (wrong Content-Length, JSON that does not parse) whose seq can
still be made out gets an error response for that seq: a client waiting for it must not hang. Only a message
with no request in it at all (random bytes, a header without a body) is answered with a console message alone."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from dapclient import DapClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_dap_framing import bad_messages, json_values

COMMANDS = [
    "initialize",
    "setBreakpoints",
    "setFunctionBreakpoints",
    "setExceptionBreakpoints",
    "threads",
    "stackTrace",
    "scopes",
    "variables",
    "evaluate",
    "setVariable",
    "continue",
    "next",
    "stepIn",
    "stepOut",
    "pause",
    "loadedSources",
    "source",
    "exceptionInfo",
    "dapper/hotReload",
    "attach",
    "noSuchCommand",
]
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def server() -> Iterator[DapClient]:
    client = DapClient.stdio()
    client.initialize()
    yield client
    assert client.close() == 0, client.stderr()


def still_serving(client: DapClient) -> None:
    body = client.request("threads", timeout=10)
    assert body == {"threads": []}


@SETTINGS
@given(raw=bad_messages)
def test_random_bytes_and_broken_frames(server: DapClient, raw: bytes) -> None:
    server.send_raw(raw)
    still_serving(server)


@SETTINGS
@given(command=st.sampled_from(COMMANDS) | st.text(max_size=12), arguments=json_values)
def test_random_requests_get_a_response(server: DapClient, command: str, arguments: object) -> None:
    seq = server.send(command, arguments)  # type: ignore[arg-type]
    response = server.response(seq)
    assert response["command"] == command
    assert response["request_seq"] == seq
    if not response["success"]:
        assert response["message"]
    still_serving(server)


@SETTINGS
@given(message=st.dictionaries(st.sampled_from(["seq", "type", "command", "arguments"]), json_values))
def test_random_message_shapes(server: DapClient, message: dict) -> None:
    mark = server.mark()
    body = json.dumps(message).encode()
    server.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    still_serving(server)
    if message.get("type") != "request" or not message.get("command"):
        # nothing to answer with a response: the client hears about it on its console, or in an error response
        answered = [
            e for e in server.events[mark:] if e["event"] == "output" and "bad message" in e["body"]["output"]
        ]
        errors = [m for m in server.all if m.get("type") == "response" and not m["success"]]
        assert answered or errors


def test_each_kind_of_bad_input_has_its_message(server: DapClient) -> None:
    mark = server.mark()
    server.send_raw(b"Content-Length: 9\r\n\r\n{not json")
    still_serving(server)
    assert "not valid JSON" in server.wait_event("output", start=mark)["body"]["output"]
    r = server.fail("noSuchCommand")
    assert r["message"] == "unknown request 'noSuchCommand'"
    assert "missing argument 'source'" in server.fail("setBreakpoints")["message"]
    assert "missing argument 'source.path'" in server.fail("dapper/hotReload", {"source": {}})["message"]
    assert "missing argument 'frameId'" in server.fail("scopes")["message"]
    assert "'program'" in server.fail("launch", {})["message"]
    assert "no such file" in server.fail("launch", {"program": "/nonexistent/x.py"})["message"]
    assert "not stopped" in server.fail("continue", {"threadId": 1})["message"]
    # too long, then a good request right behind it: answered without waiting for the missing bytes
    seq = next_seq(server)
    body = json.dumps({"seq": seq, "type": "request", "command": "threads"}).encode()
    server.send_raw(b"Content-Length: %d\r\n\r\n" % (len(body) + 1000) + body)
    still_serving(server)
    assert "longer than the message" in server.response(seq)["message"]


def next_seq(client: DapClient) -> int:
    """A seq for a request sent raw (DapClient.send numbers the others)."""
    client.seq += 1
    return client.seq


def broken_request_is_answered(server: DapClient, frame: bytes, seq: int, reason: str) -> None:
    server.send_raw(frame)
    response = server.response(seq, timeout=5)  # not a hang, waiting for bytes that never come
    assert response["success"] is False, response
    assert response["command"] == "threads"
    assert f"request {seq} ('threads') was not carried out" in response["message"]
    assert reason in response["message"], response["message"]
    assert "threads" not in response.get("body", {})  # not carried out
    still_serving(server)


def test_a_request_in_a_frame_that_is_too_long_gets_an_error_response(server: DapClient) -> None:
    # nothing follows the message: the server does not wait for the 150 bytes that are missing
    seq = next_seq(server)
    body = json.dumps({"seq": seq, "type": "request", "command": "threads"}).encode()
    frame = b"Content-Length: %d\r\n\r\n" % (len(body) + 150) + body
    broken_request_is_answered(server, frame, seq, f"Content-Length {len(body) + 150} is longer")


def test_a_request_in_a_frame_that_is_too_short_gets_an_error_response(server: DapClient) -> None:
    seq = next_seq(server)
    body = json.dumps({"seq": seq, "type": "request", "command": "threads"}).encode()
    frame = b"Content-Length: 20\r\n\r\n" + body
    broken_request_is_answered(server, frame, seq, "Content-Length 20 is shorter")


def test_a_request_that_is_not_valid_json_gets_an_error_response(server: DapClient) -> None:
    seq = next_seq(server)
    body = b'{"seq": %d, "type": "request", "command": "threads", }' % seq
    frame = b"Content-Length: %d\r\n\r\n" % len(body) + body
    broken_request_is_answered(server, frame, seq, "not valid JSON")


def test_a_broken_frame_between_requests_is_answered_in_order(server: DapClient) -> None:
    # one write: a request whose length is too long, with the next request right behind it
    first, second = next_seq(server), next_seq(server)
    a = json.dumps({"seq": first, "type": "request", "command": "threads"}).encode()
    b = json.dumps({"seq": second, "type": "request", "command": "threads"}).encode()
    server.send_raw(
        b"Content-Length: %d\r\n\r\n" % (len(a) + 40) + a + b"Content-Length: %d\r\n\r\n" % len(b) + b
    )
    assert server.response(first, timeout=5)["success"] is False
    assert server.response(second, timeout=5)["body"] == {"threads": []}
