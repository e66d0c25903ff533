"""Child interpreter for frame-move cases: reads cases (JSON lines) on stdin, runs each and writes its outcome.

For every case: ``S <id>`` before it starts, ``R <json>`` when it is done, so a parent that sees the child die
knows which case killed it. A case is: an old function ``f`` (compiled with room, as the debugger compiles the
program's code), its new source, a line and a hit count. ``f(arg)`` runs under a line-event callback (a
``sys.monitoring`` LINE callback on 3.12+, a ``sys.settrace`` 'line' event on 3.11); when the line's event
fires for the ``hit``-th time, the callback moves the frame into the new code (``plan_move`` then ``apply``,
inside the callback, ``via="line"``) or records why not, and the function runs on.
"""

from __future__ import annotations

import contextlib
import json
import sys
from types import CodeType, FrameType
from typing import Any

from dapper_tui.engine.framecode import Refused, plan_move
from dapper_tui.engine.framecode.room import with_room

FILENAME = "/framecode-case/mod.py"
TOOL = 3  # a sys.monitoring tool id of our own (the debugger uses the debugger's)

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from movecases import PRELUDE, normalise_error  # noqa: E402


def _function(source: str, roomy: bool) -> tuple[Any, dict[str, Any]]:
    ns: dict[str, Any] = {"__name__": "case"}
    exec(PRELUDE, ns)
    code = compile(source, FILENAME, "exec")
    exec(with_room(code) if roomy else code, ns)
    return ns["f"], ns


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    f, ns = _function(case["old"], roomy=True)
    new_f, _ = _function(case["new"], roomy=False)
    old_code: CodeType = f.__code__
    new_code: CodeType = new_f.__code__
    state: dict[str, Any] = {"hits": 0, "outcome": "not-reached", "reason": "", "line": None}

    def on_line(frame: FrameType, line: int) -> None:
        if frame.f_code is not old_code or state["outcome"] != "not-reached" or line != case["line"]:
            return
        state["hits"] += 1
        if state["hits"] < case["hit"]:
            return
        with contextlib.suppress(ValueError):  # other free variables: a reload cannot do it either
            f.__code__ = new_code  # what a reload does to the function; the frame itself is moved below
        try:
            plan = plan_move(frame, new_code, case["old"], case["new"], "line")
            if not case.get("dry"):  # dry: only where the frame would go (a case that crashed, run again)
                plan.apply()
        except Refused as exc:
            state.update(outcome="refused", reason=str(exc))
        else:
            state.update(outcome="planned" if case.get("dry") else "moved", line=plan.line)

    try:
        result = ["ok", _traced(f, old_code, case["arg"], on_line), list(ns["EXITS"])]
    except Exception as exc:
        result = normalise_error(exc)
    return {"id": case["id"], "outcome": state["outcome"], "reason": state["reason"], "line": state["line"],
            "result": result}  # fmt: skip


def _traced(f: Any, code: CodeType, arg: Any, on_line: Any) -> Any:
    if sys.version_info >= (3, 12):
        mon = sys.monitoring

        def callback(_code: CodeType, line: int) -> None:
            on_line(sys._getframe(1), line)

        mon.register_callback(TOOL, mon.events.LINE, callback)
        mon.set_local_events(TOOL, code, mon.events.LINE)
        try:
            return f(arg)
        finally:
            mon.set_local_events(TOOL, code, 0)
            mon.register_callback(TOOL, mon.events.LINE, None)

    def local(frame: FrameType, event: str, _arg: Any) -> Any:
        if event == "line":
            on_line(frame, frame.f_lineno)
        return local

    def global_(frame: FrameType, _event: str, _arg: Any) -> Any:
        return local if frame.f_code is code else None

    sys.settrace(global_)
    try:
        return f(arg)
    finally:
        sys.settrace(None)


def main() -> None:
    if sys.version_info >= (3, 12):
        sys.monitoring.use_tool_id(TOOL, "framecode-cases")
    out = sys.stdout
    for row in sys.stdin:
        if not row.strip():
            continue
        case = json.loads(row)
        out.write(f"S {case['id']}\n")
        out.flush()
        out.write("R " + json.dumps(run_case(case)) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
