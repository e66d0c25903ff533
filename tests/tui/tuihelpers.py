"""Helpers of the Pilot tests: the real app over a real DebugSession running a real program (never a mocked
engine). A module of its own name: `conftest` is ambiguous when several test folders have one.

Only what is particular to the debugger app is here; `write`, `line_of` and the waits come from the shared
`helpers` module (tests/helpers.py), and the tests import them from there."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from dapper_tui.engine.breakpoints import BreakpointSpec
from dapper_tui.engine.launch import LaunchTarget
from dapper_tui.tui.app import DebuggerApp
from helpers import pilot_until

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def make_app(
    program: Path,
    breakpoints: dict[Path, list[int]] | None = None,
    *,
    args: list[str] | None = None,
    **kw: Any,
) -> DebuggerApp:
    kw.setdefault("persist", False)
    kw.setdefault("auto_reload", False)
    kw.setdefault("reload_clock", lambda record: "12:00:00")
    app = DebuggerApp(LaunchTarget(program=str(program), args=args or []), **kw)
    for path, lines in (breakpoints or {}).items():
        app.session.set_breakpoints(str(path.resolve()), [BreakpointSpec(n) for n in lines])
    return app


async def app_until(pilot: Any, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "") -> None:
    """`helpers.pilot_until` for the app's widgets: a predicate that raises (a pane not mounted yet, a tree not
    filled yet) counts as false; the app gets one pause first and one more after, to draw what it changed."""

    def check() -> Any:
        try:
            return predicate()
        except Exception:
            return False

    await pilot.pause(0.02)
    await pilot_until(pilot, check, timeout, what or str(predicate))
    await pilot.pause()


async def wait_stopped(pilot: Any, line: int | None = None, timeout: float = 10.0) -> None:
    app = pilot.app
    stops = app.main.stop_gen

    def stopped() -> bool:
        if app.session.state != "stopped" or app.main.stack.selected_frame is None:
            return False
        return line is None or app.main.source.current_line == line

    await app_until(pilot, stopped, timeout, f"a stop at line {line} (stops seen: {stops})")


def label(node: Any) -> str:
    return str(node.label)


async def press_and_stop(pilot: Any, key: str, line: int | None = None, timeout: float = 10.0) -> None:
    """Press a key that resumes the program (step, continue) and wait for the next stop to be shown."""
    app = pilot.app
    gen = app.main.stop_gen
    await pilot.press(key)

    def stopped() -> bool:
        return (
            app.main.stop_gen >= gen + 2
            and app.session.state == "stopped"
            and app.main.stack.selected_frame is not None
            and (line is None or app.main.source.current_line == line)
        )

    await app_until(pilot, stopped, timeout, f"a stop at line {line} after {key!r}")
