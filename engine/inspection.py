"""Looking into the stopped program: its threads, each thread's frames, scopes and variables, and evaluation and
variable writes, which run on the stopped thread itself (they must see that thread's state)."""

from __future__ import annotations

from types import FrameType
from typing import TYPE_CHECKING, Any

from .evaluate import evaluate, set_local, set_member
from .frames import FrameInfo
from .runstate import RunState
from .threads import ThreadInfo
from .variables import Variable

if TYPE_CHECKING:
    from .session import DebugSession


class Inspection:
    def __init__(self, session: DebugSession) -> None:
        self.s = session
        self.parking = session.parking
        self.frames = session.frames
        self.vars = session.vars

    def thread_list(self) -> list[ThreadInfo]:
        with self.parking.cv:
            stopped = set(self.parking.stops)
            every = self.s.state is RunState.STOPPED
        infos = self.s.threads.list()
        return [ThreadInfo(t.id, t.name, every or t.id in stopped) for t in infos]

    def stack(self, thread_id: int | None, just_my_code: bool) -> list[FrameInfo]:
        s = self.s
        with self.parking.cv:
            if thread_id is None and s.stop_event is not None:
                thread_id = s.stop_event.thread_id
            stop = self.parking.stops.get(thread_id) if thread_id is not None else None
            if stop is None:
                stop = self.parking.blocked(thread_id)
                if stop is None:
                    return []
            assert thread_id is not None
            # The frame a breakpoint stopped in is shown even in library code: the user asked to stop there.
            shown = (
                stop.frames[0][0] if stop.frames and stop.reason not in ("suspended", "exception") else None
            )
            return self.frames.describe(
                stop.frames,
                thread_id,
                shown=shown,
                just_my_code=just_my_code,
                runs_old_code=s.editor.runs_old_code,
            )

    def evaluate(self, expression: str, frame_id: int | None) -> tuple[bool, Any]:
        """(is it an expression, its value) in the frame, run on the frame's thread."""
        frame, tid = self.frame_and_thread(frame_id)
        return self.parking.run_on(tid, lambda: evaluate(frame, expression))  # type: ignore[no-any-return]

    def set_variable(self, reference: int, name: str, value_expression: str) -> Variable:
        c = self.vars.container(reference)
        frame = c.frame
        if frame is None:
            frame, tid = self.frame_and_thread(None)
        else:
            found = self.frames.thread_of(frame)
            if found is None:
                frame, tid = self.frame_and_thread(None)
            else:
                tid = found

        def assign() -> Any:
            value = eval(value_expression, frame.f_globals, frame.f_locals)
            if c.kind in ("locals", "globals"):
                set_local(frame, name, value, scope=c.kind)
            else:
                set_member(c.obj, name, value)
            return value

        value = self.parking.run_on(tid, assign)
        return self.vars.describe(name, value, name)

    def frame_and_thread(self, frame_id: int | None) -> tuple[FrameType, int]:
        """The frame `frame_id` names (the top frame of the stopped thread by default) and its thread."""
        with self.parking.cv:
            if self.s.state is not RunState.STOPPED:
                raise RuntimeError("the program is not stopped")
            if frame_id is None:
                frames = self.s.stack()
                if not frames:
                    frames = self.s.stack(just_my_code=False)
                if not frames:
                    raise RuntimeError("no frame to evaluate in")
                frame_id = frames[0].id
            return self.frames.frame_and_thread(frame_id)
