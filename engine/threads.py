"""Which threads belong to the debuggee.

The debugger shares its process with the app. A thread is the debuggee's when the engine started it (the
program's main thread) or when a debuggee thread started it; everything else (the app's loop, its workers, the
file watcher) is never traced and never stopped.

Uncaught exceptions: a debuggee thread's exception is caught where the thread starts (`run_as_debuggee`; the
program's main thread in the session's entry point), the session stops post-mortem (`on_uncaught`), and then
`chain_excepthook` hands the exception to the program's own hook, once, as plain Python would: `sys.excepthook`
for the main thread, `threading.excepthook` for the others. While installed, the engine's own wrappers sit in
`sys.excepthook` and `threading.excepthook`: they take an exception a debuggee thread hands them (a program
that calls `sys.excepthook` itself) to `on_uncaught` too, leave alone the one a post-mortem has just shown (so
a program hook that chains to the previous hook does not print it twice), and pass everything else (the app's
own threads) to the hooks that were there before.
"""

from __future__ import annotations

import _thread
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from .sources import is_own_file


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
        self._orig_start: Callable[..., Any] | None = None
        self._orig_start_new: Callable[..., Any] | None = None  # _thread.start_new_thread
        self.on_start: Callable[[threading.Thread], None] | None = None  # runs in the new thread
        self.on_uncaught: Callable[[BaseException], None] | None = None  # runs in the failing thread
        self.on_exit: Callable[[threading.Thread], None] | None = None
        # (sys.excepthook, threading.excepthook) as they were before `install`
        self._saved_hooks: tuple[Callable[..., Any], Callable[..., Any]] | None = None
        self._shown = threading.local()  # .exc: the exception a post-mortem showed, while its hook runs

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

    def ended(self, thread: threading.Thread) -> None:
        """A debuggee thread's body is over: tell the front ends, and stop counting it. The end of the program may
        be raised in their listeners (the thread runs traced); the thread ends quietly then, as anywhere else."""
        try:
            if self.on_exit:
                self.on_exit(thread)
        except SystemExit:
            pass
        finally:
            self.discard_current()

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
                    try:
                        if registry.on_start:  # the end of the program may be raised in its listeners too
                            registry.on_start(thread)
                        run()
                    except SystemExit:
                        pass
                    except BaseException as exc:
                        if registry.on_uncaught is None:
                            raise
                        registry.on_uncaught(exc)  # post-mortem, in this thread, while it is a debuggee
                        registry.chain_excepthook(exc, thread)  # then the program's threading.excepthook
                    finally:
                        registry.ended(thread)

                thread.run = run_as_debuggee  # type: ignore[method-assign]
            orig(thread)

        threading.Thread.start = start  # type: ignore[method-assign, assignment]
        self._install_start_new_thread()
        self._saved_hooks = (sys.excepthook, threading.excepthook)
        sys.excepthook = self._sys_excepthook
        threading.excepthook = self._threading_excepthook

    def _install_start_new_thread(self) -> None:
        """`_thread.start_new_thread` from a debuggee thread starts a debuggee thread too: listed (a thread the
        program started that way and that blocks in a call is still seen), traced, stopped with the others.
        `threading` keeps its own reference to the function, so `Thread.start` does not come through here."""
        registry = self
        orig = _thread.start_new_thread
        self._orig_start_new = orig

        def start_new_thread(
            function: Callable[..., Any], args: tuple[Any, ...], kwargs: Any = None, /
        ) -> int:
            ident = threading.get_ident()
            if ident in registry.idents and ident not in registry.quiet and callable(function):
                function = _as_debuggee(registry, function)
            if kwargs is None:
                return orig(function, args)
            return orig(function, args, kwargs)

        start_new_thread.__doc__ = orig.__doc__
        _thread.start_new_thread = start_new_thread
        if getattr(_thread, "start_new", None) is orig:
            _thread.start_new = start_new_thread  # type: ignore[attr-defined, unused-ignore]

    # -- excepthooks ----------------------------------------------------------------------------------------
    def chain_excepthook(self, exc: BaseException, thread: threading.Thread | None = None) -> None:
        """After the post-mortem stop on an uncaught exception: the program's own hook, called once, in the
        failing thread, as plain Python would (`sys.excepthook` for the main thread, `thread` None;
        `threading.excepthook` for the others). The engine's own wrapper, still in place when the program set
        no hook, does nothing: the post-mortem has shown the traceback already. The traceback handed over
        starts at the program's frames (the engine's entry frames are left out)."""
        tb = _program_traceback(exc.__traceback__)
        exc.__traceback__ = tb
        self._shown.exc = exc
        try:
            if thread is None:
                hook = sys.excepthook
                try:
                    hook(type(exc), exc, tb)
                except Exception as failure:  # as Python reports a failing sys.excepthook
                    _report_hook_failure("Error in sys.excepthook:", failure, exc)
            else:
                thook = threading.excepthook
                if thook is None:  # as threading does: the hook from before
                    thook = self._saved_hooks[1] if self._saved_hooks else threading.__excepthook__
                try:
                    thook(threading.ExceptHookArgs([type(exc), exc, tb, thread]))  # type: ignore[call-arg, unused-ignore]
                except Exception as failure:
                    _report_hook_failure("Exception in threading.excepthook:", failure, exc)
        finally:
            self._shown.exc = None

    def _is_shown(self, exc: BaseException | None) -> bool:
        return exc is not None and getattr(self._shown, "exc", None) is exc

    def _takes(self) -> bool:
        """Does an exception handed to a hook on this thread go to `on_uncaught` (a debuggee thread)?"""
        ident = threading.get_ident()
        return self.on_uncaught is not None and ident in self.idents and ident not in self.quiet

    def _sys_excepthook(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if self._is_shown(exc):
            return
        if self._takes() and isinstance(exc, BaseException) and not isinstance(exc, SystemExit):
            assert self.on_uncaught is not None
            self.on_uncaught(exc)  # post-mortem shows the traceback
            return
        saved = self._saved_hooks
        (saved[0] if saved is not None else sys.__excepthook__)(exc_type, exc, tb)

    def _threading_excepthook(self, args: Any) -> None:
        exc = args.exc_value
        if self._is_shown(exc):
            return
        if self._takes() and isinstance(exc, BaseException) and not isinstance(exc, SystemExit):
            assert self.on_uncaught is not None
            self.on_uncaught(exc)
            return
        saved = self._saved_hooks
        (saved[1] if saved is not None else threading.__excepthook__)(args)

    def spawn_internal(self, target: Callable[[], None], name: str) -> threading.Thread:
        """Start a debugger thread, even from a debuggee thread (an event listener): it is never traced."""
        t = threading.Thread(target=target, name=name, daemon=True)
        (self._orig_start or threading.Thread.start)(t)
        return t

    def uninstall(self) -> None:
        if self._orig_start is not None:
            threading.Thread.start = self._orig_start  # type: ignore[method-assign]
            self._orig_start = None
        orig_new, self._orig_start_new = self._orig_start_new, None
        if orig_new is not None:
            for name in ("start_new_thread", "start_new"):
                if getattr(_thread, name, None) not in (None, orig_new):
                    setattr(_thread, name, orig_new)
        if self._saved_hooks is not None:
            # the hooks from before, even if the program put its own in: the program is over
            sys.excepthook, threading.excepthook = self._saved_hooks
            self._saved_hooks = None

    def uninstall_keeping_program_hooks(self) -> None:
        """`uninstall`, but an exception hook the program has put in since `install` stays in (a forked child
        runs on without the debugger)."""
        hooks = sys.excepthook, threading.excepthook
        self.uninstall()
        if hooks[0] != self._sys_excepthook:
            sys.excepthook = hooks[0]
        if hooks[1] != self._threading_excepthook:
            threading.excepthook = hooks[1]

    def list(self) -> list[ThreadInfo]:
        alive = {t.ident: t.name for t in threading.enumerate()}
        with self._lock:
            return [
                ThreadInfo(i, alive.get(i, self.names.get(i, f"Thread-{i}")))
                for i in self.idents
                if i in alive
            ]


def _as_debuggee(registry: DebuggeeThreads, function: Callable[..., Any]) -> Callable[..., Any]:
    """`function`, run as a debuggee thread's body (for `_thread.start_new_thread`). Its exceptions go on to
    `_thread`, which reports them as it does without the debugger."""

    def run(*args: Any, **kwargs: Any) -> Any:
        thread = threading.current_thread()  # a _DummyThread: listed by threading.enumerate from now on
        if isinstance(thread, threading._DummyThread):  # type: ignore[attr-defined, unused-ignore]
            thread.name = f"{getattr(function, '__name__', 'thread')} (_thread)"
        registry.add_current()
        try:
            if registry.on_start:
                registry.on_start(thread)
            return function(*args, **kwargs)
        finally:
            registry.ended(thread)

    return run


def _program_traceback(tb: TracebackType | None) -> TracebackType | None:
    """The traceback without its leading entries in the engine's own files (where the thread was started)."""
    while tb is not None and tb.tb_next is not None and is_own_file(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    return tb


def _report_hook_failure(title: str, failure: BaseException, exc: BaseException) -> None:
    err = sys.stderr
    if err is None:
        return
    print(title, file=err)
    traceback.print_exception(failure, file=err)
    print("\nOriginal exception was:", file=err)
    traceback.print_exception(exc, file=err)
