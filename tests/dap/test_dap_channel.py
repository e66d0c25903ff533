"""The program cannot cut the server's channel by closing descriptors: the protocol stream lives on high,
close-on-exec descriptors out of the range such code closes, and the client still hears how the program ended."""

from __future__ import annotations

from pathlib import Path

from dapclient import DapClient
from helpers import write

CLOSER = """
import os
os.closerange(0, 256)
raise SystemExit(3)
"""


def test_a_program_closing_fds_0_to_255_still_reports_its_exit_on_stdio(
    dap: DapClient, tmp_path: Path
) -> None:
    prog = write(tmp_path, "closer.py", CLOSER)
    dap.start(prog)
    assert dap.wait_event("exited")["body"]["exitCode"] == 3
    dap.wait_event("terminated")
    assert dap.request("threads") == {"threads": []}  # and the session goes on


def test_a_program_closing_fds_0_to_255_still_reports_its_exit_over_tcp(tmp_path: Path) -> None:
    prog = write(tmp_path, "closer.py", CLOSER)
    client = DapClient.tcp()
    try:
        client.start(prog)
        assert client.wait_event("exited")["body"]["exitCode"] == 3
        client.wait_event("terminated")
        client.request("disconnect")
        client._close()
        assert client.port is not None
        later = DapClient.connect(client.port, client.token)  # the listener survived too
        later.initialize()
        assert later.request("threads") == {"threads": []}
        later.request("disconnect")
        later._close()
    finally:
        client.stop_server()
