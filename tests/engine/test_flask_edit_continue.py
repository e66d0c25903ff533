"""Acceptance: edit and continue in a Flask view. A request stopped on a Werkzeug worker thread inside the view,
with the view's line edited and reloaded, answers with the new text after continue, without restarting the
server; a later request answers with the new text too. A real Flask server under a real DebugSession."""

from __future__ import annotations

import socket
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from dapper_tui.engine.events import Exited
from helpers import wait_until

pytest.importorskip("flask")

APP = """
    from flask import Flask

    app = Flask(__name__)


    @app.route("/")
    def hello():
        return "old text"  # view


    if __name__ == "__main__":
        print("serving", flush=True)
        app.run(host="127.0.0.1", port={port}, threaded=True, use_reloader=False, debug=False)
    """

# Generous: the machine is shared and loaded, and every debuggee line runs under the tracer.
START = 120.0
STEP = 60.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def _wait_until_serving(driver, port: int) -> None:
    """Poll until the server accepts connections (or the program ends, which fails at once)."""

    def serving() -> bool:
        if _accepts(port):
            return True
        assert driver.session.state == "running", f"the server is not running: {driver.session.state}"
        return False

    wait_until(serving, START, lambda: f"the server never listened on {port}: {driver.output()}")


def _get(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=START) as resp:
        assert resp.status == 200
        return resp.read().decode()


def test_a_flask_request_stopped_in_the_view_answers_with_the_edited_line(driver) -> None:
    port = _free_port()
    app = driver.write("app.py", APP.replace("{port}", str(port)))
    line = driver.line_of(app, "# view")
    driver.session.set_breakpoints(str(app), [line])
    driver.launch(app)
    _wait_until_serving(driver, port)

    client = ThreadPoolExecutor(max_workers=1, thread_name_prefix="http-client")
    try:
        pending: Future[str] = client.submit(_get, port)
        stop = driver.stopped(timeout=STEP)
        assert stop.reason == "breakpoint", stop
        [worker] = [t for t in driver.session.thread_list() if t.id == stop.thread_id]
        assert "process_request_thread" in worker.name, worker  # a Werkzeug worker, not the serving thread
        assert driver.top() == ("hello", line)
        assert not pending.done()  # the request waits on the stopped view

        app.write_text(app.read_text().replace('return "old text"', 'return "new text"'))
        result = driver.session.reload(str(app))
        assert result.ok, result.error
        assert result.changed == ["hello"], result.changed
        assert result.updatedFrameCodes == 1, result.frames
        moved = [f for f in result.frames if f["moved"]]
        assert [(f["name"], f["line"]) for f in moved] == [("hello", line)], result.frames
        top = driver.session.stack()[0]
        assert (top.name, top.line) == ("hello", line)
        assert not top.old_code

        driver.session.set_breakpoints(str(app), [])
        driver.session.continue_()
        assert pending.result(timeout=STEP) == "new text"
        assert client.submit(_get, port).result(timeout=STEP) == "new text"

        # the same server answered both requests: the program neither exited nor was launched again
        out = driver.output()  # also collects every event posted so far
        assert driver.session.state == "running"
        assert not any(isinstance(e, Exited) for e in driver.seen)
        assert out.count("serving") == 1, out

        driver.session.terminate(wait=STEP)
        driver.wait(Exited, timeout=STEP)
        assert driver.session.state == "exited"
        # Werkzeug's serve_forever closes its socket in a `finally:`; a terminate that skips it leaves the port open
        assert not _accepts(port), (
            "the server still listens after terminate: its `finally:` cleanup did not run"
        )
    finally:  # on a failure too: end the server first, so a pending request does not wait for its timeout
        driver.session.terminate(wait=STEP)
        client.shutdown(wait=True, cancel_futures=True)
