"""Engine events become DAP events, on whichever (often a debuggee) thread the engine posts them.

They go straight to the writer, which holds them back while a request is being answered, so a response always
precedes the events it caused. Program output is joined into lines first (`OutputJoiner`). Thread ids are the
engine's `threading` idents mapped to small numbers; each thread is announced once started and once exited,
and the session ends with one `exited` and one `terminated`.
"""

from __future__ import annotations

import os
import threading
import time
from functools import singledispatchmethod
from typing import TYPE_CHECKING, Any

from .. import events as ev
from .. import exit_guard
from .output import OutputJoiner
from .protocol import MessageWriter

if TYPE_CHECKING:
    from ..hotreload import ReloadResult

_STOP_REASONS = {"breakpoint()": "breakpoint"}


class ThreadIds:
    """Engine thread idents <-> the small numbers the client sees (1, 2, ... in order of first sight)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tids: dict[int, int] = {}  # engine ident -> DAP id
        self._idents: dict[int, int] = {}  # DAP id -> engine ident

    def tid(self, ident: int) -> int:
        with self._lock:
            tid = self._tids.get(ident)
            if tid is None:
                tid = len(self._tids) + 1
                self._tids[ident] = tid
                self._idents[tid] = ident
            return tid

    def ident(self, tid: int | None) -> int | None:
        if tid is None:
            return None
        with self._lock:
            return self._idents.get(tid)


class EngineEvents:
    """The DAP events of one session's engine events (`on_event` is the session's listener)."""

    def __init__(self, writer: MessageWriter) -> None:
        self.writer = writer
        self.threads = ThreadIds()
        self.output = OutputJoiner(self._send_output)
        self._lock = threading.RLock()
        self._known_threads: set[int] = set()  # idents the client was told have started (and not exited)
        self._exited = False
        self._terminated_sent = False
        self._resume_requested_on: int | None = None  # the thread answering a continue/step request

    # -- what the request handlers tell -----------------------------------------------------------------
    def resume_requested(self) -> None:
        """The request being answered on this thread resumes the program: its `continued` is not sent (DAP)."""
        self._resume_requested_on = threading.get_ident()

    def request_done(self) -> None:
        self._resume_requested_on = None

    def console(self, text: str) -> None:
        """A message of the adapter's own on the client's console, after any program output before it."""
        self.output.flush()
        self.writer.event("output", {"category": "console", "output": text})

    def thread_started(self, ident: int) -> None:
        """Tell the client about a thread once: the engine's ThreadEvent for the threads the program starts, the
        launch (or its first stop) for the program's main thread."""
        with self._lock:
            if ident in self._known_threads or self._exited:
                return
            self._known_threads.add(ident)
            self.writer.event("thread", {"reason": "started", "threadId": self.threads.tid(ident)})

    def thread_exited(self, ident: int) -> None:
        with self._lock:
            if ident not in self._known_threads:
                return
            self._known_threads.discard(ident)
            self.writer.event("thread", {"reason": "exited", "threadId": self.threads.tid(ident)})

    def terminated(self) -> None:
        """The debug session is over (sent once)."""
        with self._lock:
            if self._terminated_sent:
                return
            self._terminated_sent = True
        self.writer.event("terminated", {})

    def close(self) -> None:
        self.output.close()

    # -- engine events ----------------------------------------------------------------------------------
    def on_event(self, event: ev.Event) -> None:
        if isinstance(event, ev.Output):
            self.output.write(event.category, event.text)
            return
        self.output.flush()  # what the program printed comes before what happened next
        self._translate(event)

    def _send_output(self, category: str, text: str) -> None:
        self.writer.event("output", {"category": category, "output": text})

    @singledispatchmethod
    def _translate(self, event: ev.Event) -> None:
        """Events with no DAP counterpart are not sent."""

    @_translate.register
    def _stopped(self, event: ev.Stopped) -> None:
        self.thread_started(event.thread_id)
        body: dict[str, Any] = {
            "reason": _STOP_REASONS.get(event.reason, event.reason),
            "threadId": self.threads.tid(event.thread_id),
            "allThreadsStopped": event.all_threads_stopped,
            "preserveFocusHint": False,
        }
        if event.description:
            body["description"] = event.description
        if event.text:
            body["text"] = event.text
        if event.hit_breakpoint_ids:
            body["hitBreakpointIds"] = list(event.hit_breakpoint_ids)
        self.writer.event("stopped", body)

    @_translate.register
    def _continued(self, event: ev.Continued) -> None:
        if self._resume_requested_on == threading.get_ident():
            return  # the client asked for it: no event (DAP spec, `continued`)
        body = {
            "threadId": self.threads.tid(event.thread_id),
            "allThreadsContinued": event.all_threads_continued,
        }
        self.writer.event("continued", body)

    @_translate.register
    def _program_exited(self, event: ev.Exited) -> None:
        if event.error:
            self.writer.event("output", {"category": "stderr", "output": f"dapper-tui: {event.error}\n"})
        with self._lock:
            for ident in list(self._known_threads):
                self.thread_exited(ident)
            self._exited = True
        self.writer.event("exited", {"exitCode": event.exit_code})
        self.terminated()
        if exit_guard.exiting.is_set():
            self._drain()

    def _drain(self, deadline: float = 2.0) -> None:
        """The process is about to end (the program called `os._exit`): wait until the writer has sent what a
        request being answered holds back (its events go out right after its response)."""
        end = time.monotonic() + deadline
        while getattr(self.writer, "_held", 0) and time.monotonic() < end:
            time.sleep(0.005)

    @_translate.register
    def _thread(self, event: ev.ThreadEvent) -> None:
        if event.reason == "started":
            self.thread_started(event.thread_id)
        else:
            self.thread_exited(event.thread_id)

    @_translate.register
    def _breakpoint(self, event: ev.BreakpointChanged) -> None:
        self.writer.event("breakpoint", {"reason": event.reason, "breakpoint": event.breakpoint.to_dict()})

    @_translate.register
    def _loaded_source(self, event: ev.LoadedSource) -> None:
        source = {"name": os.path.basename(event.path), "path": event.path}
        self.writer.event("loadedSource", {"reason": event.reason, "source": source})

    @_translate.register
    def _reloaded(self, event: ev.Reloaded) -> None:
        self.writer.event("dapper/hotReloadResult", _reload_event_body(event.result))

    @_translate.register
    def _input_requested(self, event: ev.InputRequested) -> None:
        prompt = f" ({event.prompt.strip()})" if event.prompt.strip() else ""
        self.console(f"The program waits for input{prompt}: type it in the debug console.\n")


def _reload_event_body(result: ReloadResult) -> dict[str, Any]:
    d = result.to_dict()
    d.setdefault("module", d.get("reloadedModule"))
    d.setdefault("path", d.get("reloadedPath"))
    return d
