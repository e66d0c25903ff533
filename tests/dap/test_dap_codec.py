"""The program runs in the server's process and may patch `json` (and `socket`, `select`) as it likes: the
server's own messages never go through what it patched, for this client or any later one."""

from __future__ import annotations

import json
from pathlib import Path

from dapclient import DapClient
from dapper_tui.engine.dap import codec
from helpers import write
from hypothesis import given, settings
from hypothesis import strategies as st

PATCHER = """
import json, json.decoder, json.encoder
json.dumps = lambda *a, **k: "garbage"
json.loads = lambda *a, **k: 42
json.JSONEncoder.encode = lambda self, o: "garbage"
json.JSONEncoder.iterencode = lambda self, o, _one_shot=False: iter(["garbage"])
json.JSONDecoder.decode = lambda self, s, _w=None: 42
json.JSONDecoder.raw_decode = lambda self, s, idx=0: (42, len(s))
json.encoder.c_make_encoder = None
json.encoder.encode_basestring = lambda s: '"x"'
json.decoder.scanstring = None
json.decoder.JSONDecodeError = None
import select, socket
socket.socket.sendall = lambda self, data, *a: None
socket.socket.recv = lambda self, n, *a: b""
select.select = lambda *a, **k: ([], [], [])
print("patched", json.dumps({}))
"""


def test_a_program_that_patches_json_does_not_break_the_protocol(tmp_path: Path) -> None:
    prog = write(tmp_path, "patcher.py", PATCHER)
    client = DapClient.tcp()
    try:
        client.start(prog)
        assert client.wait_event("exited")["body"]["exitCode"] == 0
        assert client.wait_output("patched garbage\n")
        assert client.request("threads") == {"threads": []}
        assert "unknown request" in client.fail("noSuchRequest", {"x": "é✓"})["message"]
        client.request("disconnect")
        client._close()
        # a later client of the same server (json stays patched in its process)
        assert client.port is not None
        later = DapClient.connect(client.port, client.token)
        other = write(tmp_path, "other.py", "print({'ok': [1, 2.5, None]})\n")
        later.start(other)
        assert later.wait_event("exited")["body"]["exitCode"] == 0
        assert later.wait_output("{'ok': [1, 2.5, None]}\n")
        later.request("disconnect")
        later._close()
    finally:
        client.stop_server()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_the_codec_writes_and_reads_what_json_does(value: object) -> None:
    text = codec.dumps(value)
    assert text == json.dumps(value, ensure_ascii=False, default=str)
    assert codec.loads(text) == json.loads(text)
    assert codec.loads(json.dumps(value, indent=2)) == value
