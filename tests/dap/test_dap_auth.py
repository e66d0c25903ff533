"""`dapper-tui dap --port`: only a client that shows the server's token gets to launch anything, and `source`
serves the program's sources only (never any file the server's user can read)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from dapclient import SERVER, DapClient, server_env, start_tcp_server
from helpers import write


@pytest.fixture
def server() -> Iterator[tuple[int, str]]:
    proc, port, token = start_tcp_server()
    assert token, f"no token printed:\n{proc.log.read()}"  # type: ignore[attr-defined]
    yield port, token
    proc.terminate()
    proc.wait(10)


def marker_program(tmp_path: Path) -> tuple[Path, Path]:
    marker = tmp_path / "ran"
    prog = write(tmp_path, "prog.py", f"open({str(marker)!r}, 'w').close()\nprint('ran')\n")
    return prog, marker


def ran_with_token(port: int, token: str, prog: Path) -> None:
    """A client with the token runs `prog` to its end (so the server is past any earlier client)."""
    good = DapClient.connect(port, token)
    good.start(prog)
    good.wait_event("exited")
    good.request("disconnect")
    good._close()


def test_a_client_without_the_token_is_refused_and_nothing_runs(
    server: tuple[int, str], tmp_path: Path
) -> None:
    port, token = server
    prog, marker = marker_program(tmp_path)
    stranger = DapClient.connect(port)  # no token
    stranger.request("initialize", {"adapterID": "x"})  # answered (capabilities)...
    r = stranger.fail("launch", {"program": str(prog)})  # ...but nothing is launched without it
    assert "requires a token" in r["message"]
    assert "dapperToken" in r["message"]
    assert stranger.wait_closed(), "the connection stayed open"
    assert not any(e["event"] == "initialized" for e in stranger.events)
    stranger._close()
    other = write(tmp_path, "other.py", "print('other')\n")
    ran_with_token(port, token, other)
    assert not marker.exists(), "the refused client's program ran"


def test_a_wrong_token_is_refused_at_initialize(server: tuple[int, str], tmp_path: Path) -> None:
    port, token = server
    stranger = DapClient.connect(port, "x" * len(token))
    r = stranger.fail("initialize", {"adapterID": "x", "dapperToken": "x" * len(token)})
    assert "wrong dapperToken" in r["message"]
    assert stranger.wait_closed()
    stranger._close()
    # any other request before the token is refused too
    stranger = DapClient.connect(port)
    assert "requires a token" in stranger.fail("evaluate", {"expression": "1"})["message"]
    assert stranger.wait_closed()
    stranger._close()


def test_a_client_that_never_shows_the_token_does_not_keep_the_server(tmp_path: Path) -> None:
    proc, port, token = start_tcp_server("--frame-timeout", "1")
    try:
        assert token
        stranger = DapClient.connect(port)
        stranger.request("initialize", {"adapterID": "x"})  # then nothing: it would keep the one client slot
        assert stranger.wait_closed(20), "a client without the token kept the server"
        stranger._close()
        prog, marker = marker_program(tmp_path)
        ran_with_token(port, token, prog)
        assert marker.exists()
        proc.log.seek(0)  # type: ignore[attr-defined]
        assert "did not show the token within 1 s: dropped" in proc.log.read().decode()  # type: ignore[attr-defined]
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_token_in_the_launch_arguments_is_enough(server: tuple[int, str], tmp_path: Path) -> None:
    """VS Code sends launch.json's keys in `launch`/`attach`, not in `initialize`: `initialized` (the cue for
    breakpoints) comes once the launch brought the token."""
    port, token = server
    prog, marker = marker_program(tmp_path)
    client = DapClient.connect(port)
    client.request("initialize", {"adapterID": "vscode"})
    client.request("launch", {"program": str(prog), "dapperToken": token})
    client.wait_event("initialized")
    client.request("configurationDone")
    assert client.wait_event("exited")["body"]["exitCode"] == 0
    assert client.wait_output("ran\n")
    assert marker.exists()
    client.request("disconnect")
    client._close()


def test_no_token_is_for_loopback_only(tmp_path: Path) -> None:
    r = subprocess.run(
        [*SERVER, "--port", "0", "--no-token", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        env=server_env(),
        timeout=30,
    )
    assert r.returncode == 2
    assert "--no-token with --host 0.0.0.0" in r.stderr
    assert "must require the token" in r.stderr
    # on loopback it serves a client that shows nothing
    proc, port, token = start_tcp_server("--no-token")
    try:
        assert token is None
        client = DapClient.connect(port)
        prog, marker = marker_program(tmp_path)
        client.start(prog)
        client.wait_event("exited")
        assert marker.exists()
        client.request("disconnect")
        client._close()
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_token_from_the_environment_is_used_and_hidden_from_the_program(tmp_path: Path) -> None:
    token = "my-own-token-0123456789"
    env = {**os.environ, "DAPPER_TUI_DAP_TOKEN": token}
    old = os.environ.copy()
    os.environ.update(env)  # start_tcp_server passes the test's environment on
    try:
        proc, port, printed = start_tcp_server()
    finally:
        os.environ.clear()
        os.environ.update(old)
    try:
        assert printed == token
        prog = write(tmp_path, "env.py", "import os\nprint('seen', os.environ.get('DAPPER_TUI_DAP_TOKEN'))\n")
        client = DapClient.connect(port, token)
        client.start(prog)
        client.wait_event("exited")
        assert client.output() == "seen None\n"
        client.request("disconnect")
        client._close()
    finally:
        proc.terminate()
        proc.wait(10)


def test_source_serves_the_program_sources_only(dap: DapClient, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password=hunter2\n")
    helper = write(tmp_path, "helper.py", "VALUE = 1\n")
    prog = write(
        tmp_path,
        "main.py",
        """
        import sys
        sys.path.insert(0, sys.argv[1])
        import helper
        x = helper.VALUE  # stop here
        """,
    )
    dap.start(prog, args=[str(tmp_path)], stopOnEntry=True)
    stop = dap.stopped()
    mark = dap.mark()
    dap.request("continue", {"threadId": stop["threadId"]})
    dap.wait_event("exited", start=mark)
    # the launched program and the modules it loaded are served
    assert "import helper" in dap.request("source", {"source": {"path": str(prog)}})["content"]
    assert dap.request("source", {"source": {"path": str(helper)}})["content"] == "VALUE = 1\n"
    # any other file is not, however it is named
    for path in (
        secret,
        "/etc/passwd",
        str(tmp_path / ".." / tmp_path.name / "secret.txt"),
        Path.home() / ".ssh/id_rsa",
    ):
        r = dap.fail("source", {"source": {"path": str(path)}})
        assert "not a source of the program" in r["message"], r
        assert "content" not in r.get("body", {})
    link = tmp_path / "link.py"
    link.symlink_to(secret)  # a name that looks like a source does not help either
    assert "not a source of the program" in dap.fail("source", {"source": {"path": str(link)}})["message"]


if sys.platform == "win32":  # pragma: no cover
    pytestmark = pytest.mark.skip("POSIX only")
