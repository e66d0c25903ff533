"""Which threads belong to the debuggee.

The debugger shares its process with the app. A thread is the debuggee's when the engine started it (the
program's main thread) or when a debuggee thread started it; everything else (the app's loop, its workers, the
file watcher) is never traced and never stopped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ThreadInfo:
    id: int  # threading ident
    name: str
    stopped: bool = False


class DebuggeeThreads:
    def __init__(self) -> None:
        self.idents: set[int] = set()  # read without a lock on the hot path (set membership is atomic)
        self.quiet: set[int] = set()  # debuggee threads running debugger code (event listeners) right now
        self.names: dict[int, str] = {}
        self._lock = threading.Lock()
        self._orig_start: Callable | None = None
        self.on_start: Callable[[threading.Thread], None] | None = None  # runs in the new thread
        self.on_uncaught: Callable[[BaseException], None] | None = None  # runs in the failing thread
        self.on_exit: Callable[[threading.Thread], None] | None = None

    def add_current(self) -> None:
        t = threading.current_thread()
        with self._lock:
            self.idents.add(t.ident)  # type: ignore[arg-type]
            self.names[t.ident] = t.name  # type: ignore[index]

    def discard_current(self) -> None:
        ident = threading.get_ident()
        with self._lock:
            self.idents.discard(ident)
            self.names.pop(ident, None)

    def is_debuggee(self) -> bool:
        return threading.get_ident() in self.idents

    def install(self) -> None:
        """Patch Thread.start so threads started by debuggee threads become debuggee threads."""
        if self._orig_start is not None:
            return
        registry = self
        orig = threading.Thread.start
        self._orig_start = orig

        def start(thread: threading.Thread) -> None:
            ident = threading.get_ident()
            if ident in registry.idents and ident not in registry.quiet:
                run = thread.run

                def run_as_debuggee() -> None:
                    registry.add_current()
                    if registry.on_start:
                        registry.on_start(thread)
                    try:
                        run()
                    except SystemExit:
                        pass
                    except BaseException as exc:
                        if registry.on_uncaught is None:
                            raise
                        registry.on_uncaught(exc)  # post-mortem, in this thread, while it is a debuggee
                    finally:
                        if registry.on_exit:
                            registry.on_exit(thread)
                        registry.discard_current()

                thread.run = run_as_debuggee  # type: ignore[method-assign]
            orig(thread)

        threading.Thread.start = start  # type: ignore[method-assign]

    def spawn_internal(self, target: Callable[[], None], name: str) -> threading.Thread:
        """Start a debugger thread, even from a debuggee thread (an event listener): it is never traced."""
        t = threading.Thread(target=target, name=name, daemon=True)
        (self._orig_start or threading.Thread.start)(t)
        return t

    def uninstall(self) -> None:
        if self._orig_start is not None:
            threading.Thread.start = self._orig_start  # type: ignore[method-assign]
            self._orig_start = None

    def list(self) -> list[ThreadInfo]:
        alive = {t.ident: t.name for t in threading.enumerate()}
        with self._lock:
            return [
                ThreadInfo(i, alive.get(i, self.names.get(i, f"Thread-{i}")))
                for i in self.idents
                if i in alive
            ]
