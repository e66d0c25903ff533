"""Restart Frame from the app: after a reload that left the stopped frame on its old code, the reload log offers
the restart, the call stack's key runs the function again from its first line in the new code, and a frame that
cannot be restarted says why in a notification."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from dapper_tui.engine.breakpoints import BreakpointSpec
from dapper_tui.tui.screens.help import HelpScreen
from helpers import line_of, write
from textual.widgets import DataTable
from textual.widgets._toast import Toast
from tuihelpers import app_until, make_app, wait_stopped

MAIN = """\
import calc

print("result", calc.total(4))
print("again", calc.total(4))
"""
CALC = """\
def total(n):
    acc = 0  # first line
    for i in range(n):
        acc += i  # loop line
    return acc
"""
NESTED = """\
def inner(n):
    return n  # inner line


def total(n):
    return inner(n) + 1
"""


def _app(tmp_path: Path, calc_source: str, marker: str, hit: str | None = None) -> tuple[Any, Path, int]:
    main = write(tmp_path, "main.py", MAIN)
    calc = write(tmp_path, "calc.py", calc_source)
    line = line_of(calc, marker)
    app = make_app(main)
    app.session.set_breakpoints(str(calc.resolve()), [BreakpointSpec(line, hit_condition=hit)])
    return app, calc, line


def _new_loop(calc: Path) -> None:
    """A new loop header: the stopped frame cannot continue in this code, it can only be restarted."""
    text = calc.read_text()
    time.sleep(0.01)
    calc.write_text(text.replace("range(n)", "range(n + 1)").replace("acc += i ", "acc += i * 100 "))


def _footer_keys(app: Any) -> dict[str, str]:
    """The keys the footer shows now (key -> description)."""
    return {
        key: b.binding.description
        for key, b in app.screen.active_bindings.items()
        if b.binding.show and b.enabled
    }


def _toasts(app: Any) -> str:
    return "\n".join(str(t.render()) for t in app.screen.query(Toast))


def _top_label(app: Any) -> str:
    node = app.main.stack._frame_nodes[app.main.stack.frames()[0].id]
    return str(node.label)


async def test_reload_then_restart_from_the_call_stack_runs_the_new_code_once(tmp_path: Path) -> None:
    app, calc, loop = _app(tmp_path, CALC, "loop line", hit="3")  # i == 2: the old loop added 0 + 1
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await wait_stopped(pilot, loop)
        _new_loop(calc)
        await pilot.press("R")
        log = app.main.reload_log
        await app_until(pilot, lambda: len(log.records) == 1, what="a reload row")
        assert log.records[0].outcome == "applied", log.records[0].message
        # the stopped frame kept its old code: the stack says so, the reload log offers the restart
        await app_until(pilot, lambda: "[old code]" in _top_label(app), what="the old-code mark")
        assert "total (line 4) keeps its old code" in log.detail_text
        assert "can be restarted" in log.detail_text  # the engine's hint
        assert "restart: total (line 4) runs its old code; press a here" in log.detail_text
        await app_until(
            pilot,
            lambda: "keeps its old code (a on the call stack restarts it)" in _toasts(app),
            what="the reload's notification",
        )

        # the key is the call stack's: in the footer while the stack has focus, not elsewhere
        assert "a" not in _footer_keys(app)
        app.main.stack.focus()
        await pilot.pause()
        assert _footer_keys(app).get("a") == "Restart frame"

        gen = app.main.stop_gen
        await pilot.press("a")
        first = line_of(calc, "# first line")
        await app_until(
            pilot,
            lambda: app.main.stop_gen > gen and app.main.source.current_line == first,
            what="the stop at the function's first line",
        )
        assert "Frame restarted" in app.main.state_text
        assert "[old code]" not in _top_label(app)
        await app_until(pilot, lambda: "total restarted at line 2" in _toasts(app), what="a notification")
        await app_until(pilot, lambda: app.main.variables.find("n") is not None, what="the locals")
        assert app.main.variables.find("acc") is None  # the body starts over; n keeps its value

        app.main.bp_editor.toggle(str(calc.resolve()), loop)  # off, as a click in the gutter does
        await pilot.press("c")
        await app_until(pilot, lambda: "again 1000" in app.main.output.text, what="the new code's output")
        out = app.main.output.text
        assert out.count("result") == 1, out
        assert "result 1000" in out, out  # one call, in the new code


async def test_the_reload_log_restarts_the_frame_it_left_on_old_code(tmp_path: Path) -> None:
    app, calc, loop = _app(tmp_path, CALC, "loop line", hit="2")
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await wait_stopped(pilot, loop)
        log = app.main.reload_log
        log.table.focus()
        await pilot.pause()
        assert "a" not in _footer_keys(app)  # no reload yet: nothing to restart
        _new_loop(calc)
        await pilot.press("R")
        await app_until(pilot, lambda: len(log.records) == 1, what="a reload row")
        await app_until(pilot, lambda: _footer_keys(app).get("a") == "Restart frame", what="the offer")
        gen = app.main.stop_gen
        await pilot.press("a")
        await app_until(
            pilot,
            lambda: app.main.stop_gen > gen and app.main.source.current_line == line_of(calc, "# first line"),
            what="the restart",
        )
        app.main.bp_editor.toggle(str(calc.resolve()), loop)
        await pilot.press("c")
        await app_until(pilot, lambda: "again 1000" in app.main.output.text, what="the new code's output")
        assert app.main.output.text.count("result") == 1, app.main.output.text


async def test_a_frame_that_cannot_restart_says_why(tmp_path: Path) -> None:
    app, calc, inner = _app(tmp_path, NESTED, "inner line")
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await wait_stopped(pilot, inner)
        app.main.stack.focus()
        await pilot.press("u")  # the caller, waiting for inner to return
        await app_until(pilot, lambda: app.main.stack.selected_frame.name == "total", what="the caller")
        await pilot.press("a")
        await app_until(pilot, lambda: "waiting for a call" in _toasts(app), what="the refusal")
        assert "cannot restart total" in _toasts(app)
        assert app.session.state == "stopped"
        assert app.main.stack.frames()[0].line == inner  # nothing moved
        app.main.bp_editor.toggle(str(calc.resolve()), inner)
        await pilot.press("c")
        await app_until(pilot, lambda: "again 5" in app.main.output.text, what="the program's end")


async def test_help_and_palette_list_the_restart_key(tmp_path: Path) -> None:
    app, calc, loop = _app(tmp_path, CALC, "loop line")
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await wait_stopped(pilot, loop)
        await pilot.press("?")
        await app_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        table = app.screen.query_one(DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert any(r[:2] == ["Call stack", "a"] and "Restart the selected frame" in r[2] for r in rows), rows
        await pilot.press("escape")
        await app_until(pilot, lambda: not isinstance(app.screen, HelpScreen))
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Restart frame (a)")
        gen = app.main.stop_gen
        command.callback()  # the palette acts on the selected frame: the stopped one
        await app_until(pilot, lambda: app.main.stop_gen > gen and "Frame restarted" in app.main.state_text)
        assert app.main.source.current_line == line_of(calc, "# first line")
