"""--all-code, a breakpoint in a `sys.meta_path` finder: the app stays alive. The stop is shown at the first line
after the import (saying which breakpoint was skipped and why), and the quit question (a screen imported the first
time it is asked for) answers."""

from __future__ import annotations

import importlib
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from dapper_tui.tui.screens.confirm import ConfirmScreen
from helpers import line_of, program
from tuihelpers import app_until, make_app, wait_stopped


@pytest.fixture(autouse=True)
def _meta_path_back() -> Iterator[None]:
    """The programs run in this process and put finders on sys.meta_path: later tests must not meet them."""
    saved = list(sys.meta_path)
    yield
    sys.meta_path[:] = saved


def _can_import_within(seconds: float) -> bool:
    """Can a thread import a module not loaded yet (it needs the global import lock)? Asked from a side thread,
    so a regression fails here instead of hanging the app's loop."""
    done = threading.Event()

    def lazy_import() -> None:
        try:
            importlib.import_module(f"never_loaded_{uuid.uuid4().hex}")
        except ImportError:
            done.set()

    threading.Thread(target=lazy_import, daemon=True).start()
    return done.wait(seconds)


@pytest.mark.slow  # ~15 s on 3.12: the app runs slowly while all-code stepping is under way there
async def test_breakpoint_in_an_import_hook_keeps_the_app_answering(tmp_path: Path) -> None:
    prog = program(tmp_path, "finder.py")
    helper = program(tmp_path, "lazy_helper.py")
    app = make_app(prog, {prog: [line_of(prog, "finder line")]}, just_my_code=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot)
        assert _can_import_within(2.0), "the program is parked holding the import lock"
        screen = app.main
        assert screen.source.path == str(helper.resolve())
        assert screen.source.current_line == 1
        assert "skipped" in screen.state_text
        assert "import lock" in screen.state_text
        await pilot.press("q")
        await app_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 10.0, "the quit question")
        await pilot.press("escape")
        app.session.set_breakpoints(str(prog.resolve()), [])
        await pilot.press("c")
        await app_until(pilot, lambda: app.session.state == "exited", 10.0, "the program's end")
        assert app.session.exit_code == 0
