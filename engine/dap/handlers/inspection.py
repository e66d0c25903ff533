"""Inspection requests: threads, stackTrace, scopes, variables, evaluate, setVariable, exceptionInfo, source,
loadedSources.

`evaluate` and `setVariable` wait for code to run on the stopped program thread, so they are checked here and
finished off the reader thread (`Deferred`): a slow expression never keeps `pause`, `threads` or `disconnect`
from being answered.
"""

from __future__ import annotations

import linecache
import os
import stat
import sys
from collections.abc import Callable
from typing import Any

from ...session import DebugSession, FrameInfo
from ...variables import Variable
from ..args import RequestError, arg, opt, opt_int, require_stopped
from ..engine_events import EngineEvents
from ..replies import Deferred, Reply

MAX_SOURCE_BYTES = 16 * 1024 * 1024


class Inspection:
    def __init__(self, session: DebugSession, events: EngineEvents) -> None:
        self.session = session
        self.threads = events.threads
        self._old_texts: dict[str, int] = {}  # text an old-code frame runs -> its sourceReference
        self._frame_files: set[str] = set()  # files of the frames this client was shown

    def on_threads(self, args: dict[str, Any]) -> Reply:
        threads = self.session.thread_list()
        return Reply({"threads": [{"id": self.threads.tid(t.id), "name": t.name} for t in threads]})

    def on_stackTrace(self, args: dict[str, Any]) -> Reply:
        tid = opt_int(args, "threadId")
        if tid is None:
            raise RequestError("missing argument 'threadId'")
        start = max(opt_int(args, "startFrame", 0) or 0, 0)
        levels = opt_int(args, "levels", 0) or 0
        ident = self.threads.ident(tid)
        if ident is None:
            raise RequestError(f"unknown thread {tid}")
        frames = self.session.stack(ident)
        if not frames and self.session.state == "stopped":
            frames = self.session.stack(ident, just_my_code=False)
        chosen = frames[start : start + levels] if levels > 0 else frames[start:]
        return Reply({"stackFrames": [self._frame_dict(f) for f in chosen], "totalFrames": len(frames)})

    def _frame_dict(self, frame: FrameInfo) -> dict[str, Any]:
        """A frame that runs old code points at the text it runs (a sourceReference), so the client draws its
        line in that text, never on the edited file's line of the same number."""
        d = frame.to_dict()
        if isinstance(frame.path, str):
            self._frame_files.add(frame.path)
        old = self.session.old_source(frame.id) if frame.old_code else None
        if old is not None:
            ref = self._old_texts.setdefault(old, len(self._old_texts) + 1)
            name = os.path.basename(frame.path)
            d["source"] = {"name": f"{name} (old code)", "sourceReference": ref, "origin": "old code"}
        return d

    def on_scopes(self, args: dict[str, Any]) -> Reply:
        frame_id = arg(args, "frameId", int)
        try:
            scopes = self.session.scopes(frame_id)
        except KeyError as exc:
            raise RequestError(exc.args[0] if exc.args else f"unknown frame {frame_id}") from None
        out = []
        for s in scopes:
            d: dict[str, Any] = {"name": s.name, "variablesReference": s.reference, "expensive": s.expensive}
            if s.name == "Locals":
                d["presentationHint"] = "locals"
            if s.named:
                d["namedVariables"] = s.named
            out.append(d)
        return Reply({"scopes": out})

    def on_variables(self, args: dict[str, Any]) -> Reply:
        ref = arg(args, "variablesReference", int)
        start = max(opt_int(args, "start", 0) or 0, 0)
        count = opt_int(args, "count", 0) or None
        if ref == 0:
            return Reply({"variables": []})
        try:
            variables = self.session.variables(ref, start, count)
        except KeyError as exc:
            raise RequestError(exc.args[0] if exc.args else f"unknown reference {ref}") from None
        return Reply({"variables": [v.to_dict() for v in variables]})

    def on_evaluate(self, args: dict[str, Any]) -> Reply | Deferred:
        expression = arg(args, "expression", str)
        frame_id = opt_int(args, "frameId")
        if (
            self.session.state == "running"
            and self.session.io.waiting.is_set()
            and args.get("context") == "repl"
        ):
            self.session.send_input(expression)  # the program is blocked in input(): this is its answer
            return Reply({"result": "", "variablesReference": 0})
        if self.session.state != "stopped":
            raise RequestError(f"cannot evaluate: the program is not stopped (it is {self.session.state})")
        return Deferred(
            lambda: _variable_body(lambda: self.session.evaluate(expression, frame_id), "result", "")
        )

    def on_setVariable(self, args: dict[str, Any]) -> Deferred:
        ref = arg(args, "variablesReference", int)
        name = arg(args, "name", str)
        value = arg(args, "value", str)
        require_stopped(self.session)
        return Deferred(
            lambda: _variable_body(
                lambda: self.session.set_variable(ref, name, value), "value", f"no variable {name!r}"
            )
        )

    def on_exceptionInfo(self, args: dict[str, Any]) -> Reply:
        opt_int(args, "threadId")
        stop = self.session.stop_event
        if stop is None or stop.reason != "exception":
            raise RequestError("the program is not stopped on an exception")
        name, _, message = stop.text.partition(": ")
        return Reply(
            {
                "exceptionId": name or "Exception",
                "description": message or stop.text,
                "breakMode": "unhandled" if stop.post_mortem else "always",
            }
        )

    def on_loadedSources(self, args: dict[str, Any]) -> Reply:
        sources = self.session.loaded_sources()
        return Reply({"sources": [{"name": s.name, "path": s.path} for s in sources]})

    def on_source(self, args: dict[str, Any]) -> Reply:
        source = opt(args, "source", dict, {})
        path = source.get("path")
        if not isinstance(path, str) or not path:
            ref = opt_int(args, "sourceReference", 0) or opt_int(source, "sourceReference", 0)
            for text, known in self._old_texts.items():
                if known == ref:
                    return Reply({"content": text, "mimeType": "text/x-python"})
            raise RequestError(f"unknown sourceReference {ref}" if ref else "missing argument 'source.path'")
        if not self._known_source(path):
            raise RequestError(
                f"{path} is not a source of the program: only the files of its loaded modules, of the "
                "launched program and of the frames shown are served"
            )
        try:
            st = os.stat(path)
        except OSError:
            raise RequestError(f"{path}: no such file") from None
        if not stat.S_ISREG(st.st_mode):
            raise RequestError(f"{path} is not a regular file")
        if st.st_size > MAX_SOURCE_BYTES:
            raise RequestError(f"{path} is larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MB")
        with open(path, "rb") as f:
            content = f.read(MAX_SOURCE_BYTES + 1).decode("utf-8", "replace")
        return Reply({"content": content, "mimeType": "text/x-python"})

    def _known_source(self, path: str) -> bool:
        """Whether `path` is one of the program's sources (the `source` request serves nothing else: a client
        must not read any file the server's user can, such as ~/.ssh keys, through it)."""
        want = os.path.realpath(path)
        target = self.session.target
        candidates: list[object] = [getattr(target, "program", None), *self._frame_files]
        candidates += [_module_file(m) for m in list(sys.modules.values())]
        candidates += list(linecache.cache)  # files whose lines Python read for a traceback or the engine
        files = {f for f in candidates if isinstance(f, str) and f}
        if path in files or os.path.abspath(path) in files:
            return True
        return any(os.path.realpath(f) == want for f in files)


def _module_file(module: object) -> object:
    try:
        return vars(module).get("__file__")
    except Exception:  # not a module (something the program put in sys.modules)
        return None


def _variable_body(get: Callable[[], Variable], value_key: str, missing: str) -> dict[str, Any]:
    """Run `get` (it waits for the stopped program thread) and answer with the variable it returns."""
    try:
        var = get()
    except KeyError as exc:
        raise RequestError(exc.args[0] if exc.args else missing) from None
    except Exception as exc:
        raise RequestError(f"{type(exc).__name__}: {exc}") from None
    body: dict[str, Any] = {value_key: var.value, "type": var.type, "variablesReference": var.reference}
    if var.indexed:
        body["indexedVariables"] = var.indexed
    return body
