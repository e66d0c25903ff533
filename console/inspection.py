"""The `--plain` console's commands that look at a stopped program: the stack (w, u, d, threads), values (p, pp,
!, a, display) and source (l, ll). A mixin of `PlainConsole`, through the engine's public API only."""

from __future__ import annotations

import inspect
import linecache
import pprint
from typing import TYPE_CHECKING, Any

from dapper_tui.engine.launch import LaunchTarget
from dapper_tui.engine.session import DebugSession, FrameInfo

if TYPE_CHECKING:
    from .breakpoints import ConsoleBreakpoints
    from .terminal import Terminal


class Problem(Exception):
    """A command cannot do what was asked: the message is printed as `*** message`."""


class InspectionCommands:
    # what the console provides
    session: DebugSession
    target: LaunchTarget
    out: Terminal
    bps: ConsoleBreakpoints
    frames: list[FrameInfo]
    cur: int
    displays: list[str]
    names: list[str]
    last_command: str
    list_next: tuple[str, int] | None

    # -- the selected frame -------------------------------------------------------------------------------
    def _frame(self) -> FrameInfo | None:
        return self.frames[self.cur] if 0 <= self.cur < len(self.frames) else None

    def _need_stopped(self) -> FrameInfo:
        if self.session.state != "stopped":
            raise Problem(f"the program is {self._state_text()}")
        f = self._frame()
        if f is None:
            raise Problem("no frame to look at")
        return f

    def _state_text(self) -> str:
        return {"idle": "not started (`c` runs it)", "exited": "not running (`restart` runs it again)"}.get(
            self.session.state, self.session.state
        )

    def _current_file(self) -> str:
        f = self._frame()
        if f is not None:
            return f.path
        if self.target.program:
            return self.target.program
        raise Problem("give a file: b file.py:LINE")

    def _print_location(self) -> None:
        f = self._frame()
        if f is None:
            return
        old = self.session.old_source(f.id) if f.old_code else None
        where = " (old code: a line of the source it runs; the file has changed since)" if old else ""
        self.out.say(f"> {f.path}:{f.line} in {f.name}(){where}", "location")
        if old is not None:
            lines = old.splitlines()
            text = lines[f.line - 1] if 0 < f.line <= len(lines) else ""
        else:
            linecache.checkcache(f.path)
            text = linecache.getline(f.path, f.line).rstrip()
        if text:
            self.out.say(f"-> {text.strip()}", "current")

    def _refresh_names(self) -> None:
        names: set[str] = set()
        f = self._frame()
        if f is not None:
            try:
                for scope in self.session.scopes(f.id):
                    names.update(v.name for v in self.session.variables(scope.reference, 0, 500))
            except Exception:
                pass
        self.names = sorted(names)

    # -- stack ----------------------------------------------------------------------------------------------
    def cmd_w(self, arg: str) -> None:
        self._need_stopped()
        lines = []
        for i, f in enumerate(self.frames):
            text = f"{'>' if i == self.cur else ' '} {f.path}:{f.line} in {f.name}()"
            if f.old_code:
                text += "  [old code: a line of the source it runs]"
            lines.append(self.out.colour(text, "location") if i == self.cur else text)
        self.out.say("\n".join(lines))

    def _move(self, delta: int) -> None:
        self._need_stopped()
        new = self.cur + delta
        if not 0 <= new < len(self.frames):
            raise Problem("oldest frame" if delta > 0 else "newest frame")
        self.cur = new
        self.list_next = None
        self._print_location()
        self._refresh_names()

    def cmd_u(self, arg: str) -> None:
        self._move(int(arg) if arg.isdigit() else 1)

    def cmd_d(self, arg: str) -> None:
        self._move(-(int(arg) if arg.isdigit() else 1))

    def cmd_threads(self, arg: str) -> None:
        current = self.session.stop_event.thread_id if self.session.stop_event else None
        rows = [
            f"{'*' if t.id == current else ' '} {t.id}  {t.name}  {'stopped' if t.stopped else 'running'}"
            for t in self.session.thread_list()
        ]
        self.out.say("\n".join(rows) or "no threads (the program is not running)")

    # -- values ---------------------------------------------------------------------------------------------
    def _evaluate(self, text: str) -> tuple[bool, Any]:
        """Run `text` in the selected frame, on the stopped thread: (is it an expression, its value)."""
        f = self._need_stopped()
        return _is_expression(text), self.session.evaluate_value(text, f.id)

    def _value_text(self, expr: str) -> str:
        try:
            is_expr, value = self._evaluate(expr)
        except Problem:
            raise
        except Exception as exc:
            return f"*** {type(exc).__name__}: {exc}"
        return repr(value) if is_expr else ""

    def cmd_p(self, arg: str) -> None:
        if not arg:
            raise Problem("p EXPRESSION")
        self.out.say(self._value_text(arg))

    def cmd_pp(self, arg: str) -> None:
        if not arg:
            raise Problem("pp EXPRESSION")
        try:
            is_expr, value = self._evaluate(arg)
        except Problem:
            raise
        except Exception as exc:
            self.out.say(f"*** {type(exc).__name__}: {exc}", "error")
            return
        if is_expr:
            self.out.say(pprint.pformat(value))

    def cmd_exec(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        try:
            is_expr, value = self._evaluate(text)
        except Problem as exc:
            self.out.say(f"*** {exc}", "error")
            return
        except Exception as exc:
            self.out.say(f"*** {type(exc).__name__}: {exc}", "error")
            return
        if is_expr and value is not None:
            self.out.say(repr(value))
        self._refresh_names()

    def cmd_a(self, arg: str) -> None:
        f = self._need_stopped()
        code = self.session.frame(f.id).f_code
        n = code.co_argcount + code.co_kwonlyargcount
        n += bool(code.co_flags & inspect.CO_VARARGS) + bool(code.co_flags & inspect.CO_VARKEYWORDS)
        for name in code.co_varnames[:n]:
            self.out.say(f"{name} = {self._value_text(name)}")

    def cmd_display(self, arg: str) -> None:
        stopped = self.session.state == "stopped"
        if not arg:
            for expr in self.displays:
                self.out.say(f"display {expr}: {self._value_text(expr) if stopped else ''}")
            return
        if arg not in self.displays:
            self.displays.append(arg)
        if stopped:
            self.out.say(f"display {arg}: {self._value_text(arg)}")

    def cmd_undisplay(self, arg: str) -> None:
        if arg:
            self.displays = [d for d in self.displays if d != arg]
        else:
            self.displays.clear()

    # -- source ---------------------------------------------------------------------------------------------
    def _show_lines(self, path: str, first: int, last: int, current: int | None) -> None:
        linecache.checkcache(path)
        lines = linecache.getlines(path)
        bps = self.bps.lines_of(path)
        out = []
        for n in range(max(first, 1), min(last, len(lines)) + 1):
            mark = "->" if n == current else "B " if n in bps else "  "
            text = f"{n:4d} {mark} {lines[n - 1].rstrip()}"
            out.append(self.out.colour(text, "current") if n == current else text)
        if out:
            self.out.say("\n".join(out))
        self.list_next = (path, min(last, len(lines)) + 1)

    def cmd_l(self, arg: str) -> None:
        f = self._frame()
        path = f.path if f else self._current_file()
        current = f.line if f else None
        if arg:
            parts = [p.strip() for p in arg.split(",")]
            if not all(p.isdigit() for p in parts):
                raise Problem("l [first[, last]]")
            first = int(parts[0])
            last = int(parts[1]) if len(parts) > 1 else first + 10
        elif self.list_next and self.list_next[0] == path and self.last_command.split()[0] in ("l", "list"):
            first = self.list_next[1]
            last = first + 10
        else:
            center = current or 1
            first, last = center - 5, center + 5
        self._show_lines(path, first, last, current)

    def cmd_ll(self, arg: str) -> None:
        f = self._need_stopped()
        code = self.session.frame(f.id).f_code
        linecache.checkcache(f.path)
        try:
            lines, start = inspect.getsourcelines(code)
        except (OSError, TypeError):
            raise Problem("no source for this frame") from None
        start = max(start, 1)
        self._show_lines(f.path, start, start + len(lines) - 1, f.line)


def _is_expression(text: str) -> bool:
    """Does `text` compile as an expression (so that it has a value to show), rather than a statement?"""
    try:
        compile(text, "<console>", "eval")
    except SyntaxError:
        return False
    return True
