"""Bad input to the real server (a subprocess on stdio): every bad message gets an error (a response when it has
a seq, a console message when it has none), and the next valid request is still answered."""

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
    assert response["command"] == command and response["request_seq"] == seq
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
    body = json.dumps({"seq": 500, "type": "request", "command": "threads"}).encode()
    server.send_raw(b"Content-Length: %d\r\n\r\n" % (len(body) + 1000) + body)
    still_serving(server)
