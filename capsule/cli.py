"""Headless agent commands (``dapper-tui agent ...`` without the TUI).

    agent init DIR [--name NAME] [--force]      write an example project
    agent DIR -m MSG [--thread ID] [--json]     one turn, its events printed
    agent DIR --json [--thread ID]              long-lived: one message per stdin line, watcher on,
                                                reload records printed as events of type "reload"
    agent DIR --list-threads [--json]

With ``--json`` every line is one JSON object with at least ``type``, ``thread`` and ``revision``.

``-m``: the thread is opened before the capsule starts, so the start's reload record is stored in it. When the
tools cannot load at all (no capsule generation), the message is not sent and the exit status is 1; it is 1
too when the turn has an ``error`` event. A notice outside the turn (a torn last record repaired, calls of an
earlier session closed as interrupted) is printed but does not fail the command.

Ctrl+C during ``-m`` cancels the turn as a ``{"cancel": true}`` line would (the thread keeps the call's
``cancelled`` result and the ``cancelled`` error) and exits with status 130; a second Ctrl+C quits at once.

``--list-threads`` lists every thread even when some are damaged; a damaged one says why (``damaged``).

Stdin (the long-lived session): each line is exactly one message, taken literally (a backslash stays a
backslash, and the JSON escapes inside ``/call`` arguments keep their JSON meaning). A line that starts with
``{`` must be a JSON object ``{"message": "..."}`` and sends that string, which may span several lines (a
multi-``/call`` message), or ``{"cancel": true}``, which cancels the running turn (its call in flight gets a
``cancelled`` error result, the thread a ``cancelled`` error event); a line that starts with ``{`` and is
neither is answered with an ``error`` event and sends nothing. A message that arrives while a turn runs is
answered with a ``queued`` event (``message``, ``position``) and runs when the turns before it have ended.

Streamed text is printed as it arrives: with ``--json`` as ``assistant_delta`` events, in plain mode as the
reply's line growing. ``--no-deltas`` turns that off (``--json`` leaves the deltas out, plain mode prints
each reply whole when it ends); the ``assistant`` event always carries the whole text.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dapper_tui.capsule.events import Event

if TYPE_CHECKING:
    from dapper_tui.capsule.runtime import AgentRuntime


def parser() -> argparse.ArgumentParser:
    """Every option of `dapper-tui agent DIR` (its --help): the console's and the headless commands'."""
    parser = argparse.ArgumentParser(
        prog="dapper-tui agent",
        description="Open the agent console (the TUI) on an agent project folder, or run it headless with "
        "-m, --json or --list-threads. `dapper-tui agent init DIR` writes an example project.",
    )
    parser.add_argument("dir", type=Path, help="the agent project folder")
    parser.add_argument(
        "--watch", action="store_true", help="console: follow threads another process writes (read-only)"
    )
    parser.add_argument("-m", "--message", help="run one turn with this message and exit")
    parser.add_argument("--thread", help="thread id to continue (default: a new thread)")
    parser.add_argument("--json", action="store_true", help="print events as JSON lines")
    parser.add_argument("--list-threads", action="store_true", help="list the threads in DIR/data and exit")
    parser.add_argument("--model", help="model backend, e.g. scripted, replay:FILE, openai:gpt-4o-mini")
    parser.add_argument("--drain-timeout", type=float, help="seconds before a draining capsule is killed")
    parser.add_argument(
        "--no-deltas",
        action="store_true",
        help="do not print text as it streams: --json leaves out assistant_delta events, plain mode prints "
        "each reply whole when it ends",
    )
    return parser


_HEADLESS = ("message", "thread", "json", "list_threads", "drain_timeout", "no_deltas")


def headless(args: argparse.Namespace) -> bool:
    """Whether `args` ask for a headless command (any option but --watch and --model)."""
    return any(getattr(args, name) not in (None, False) for name in _HEADLESS)


def _print(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


class _Printer:
    """Prints events. Plain mode prints a streamed reply as it arrives (``[rN] agent: `` and then each piece),
    and ends its line when the step's ``assistant`` event comes."""

    def __init__(self, as_json: bool, deltas: bool) -> None:
        self.as_json = as_json
        self.deltas = deltas
        self.errors = 0
        self._open: tuple[str, str | None, object] | None = None  # the (thread, turn, step) being streamed

    def __call__(self, event: Event) -> None:
        if (
            event.type == "error" and event.turn is not None and not event.get("cancelled")
        ):  # a notice outside the turn (a repair) is no failure, nor is a turn the user cancelled
            self.errors += 1
        if self.as_json:
            if event.type != "assistant_delta" or self.deltas:
                _print(event.to_dict())
            return
        key = (event.thread, event.turn, event.get("step"))
        if event.type == "assistant_delta":
            if not self.deltas:  # the whole reply is printed with its "assistant" event
                return
            if self._open != key:
                self._end_line()
                sys.stdout.write(f"[r{event.revision}] agent: ")
                self._open = key
            sys.stdout.write(str(event.get("text", "")))
            sys.stdout.flush()
            return
        if event.type == "assistant" and self._open == key:
            self._open = None
            sys.stdout.write("\n")
            sys.stdout.flush()
            return
        self._end_line()
        if event.type == "queued":
            sys.stdout.write(f"(queued, {event.get('position')} ahead) {event.get('message')}\n")
        elif event.type == "note":
            sys.stdout.write(f"({event.get('message')})\n")
        elif event.type not in ("thread_start", "turn_end"):
            sys.stdout.write(event.summary() + "\n")
            sys.stdout.flush()

    def _end_line(self) -> None:
        if self._open is not None:
            self._open = None
            sys.stdout.write("\n")


async def _one_turn(args: argparse.Namespace) -> int:
    from dapper_tui.capsule.runtime import AgentRuntime

    printer = _Printer(args.json, not args.no_deltas)
    runtime = AgentRuntime(
        args.dir, watch=False, model=args.model, drain_timeout=args.drain_timeout, warm_spare=False
    )
    runtime.subscribe(printer)
    thread = runtime.open_thread(args.thread)  # before start: the start's record is stored in the thread
    interrupted: list[bool] = []
    try:
        try:
            record = await runtime.start()
        except Exception as exc:
            runtime.error(thread, f"the agent did not start: {type(exc).__name__}: {exc}")
            print(f"agent: the agent did not start: {exc} (thread {thread})", file=sys.stderr)
            return 1
        if not runtime.tools_loaded:
            print(
                f"agent: the tools did not load, so the message was not sent (thread {thread}):\n"
                f"{record.message}",
                file=sys.stderr,
            )
            return 1
        loop = asyncio.get_running_loop()

        def on_sigint() -> None:  # the first Ctrl+C cancels the turn (kept in the thread); a second one quits
            interrupted.append(True)
            loop.remove_signal_handler(signal.SIGINT)
            runtime.cancel(thread)

        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
            loop.add_signal_handler(signal.SIGINT, on_sigint)
        try:
            async for _event in runtime.send(thread, args.message):
                pass
        finally:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signal.SIGINT)
    finally:
        await runtime.close()
    return 130 if interrupted else 1 if printer.errors else 0


CANCEL = object()  # what a ``{"cancel": true}`` line means


def read_line(line: str) -> str | object:
    """The message a stdin line carries, or ``CANCEL`` (see the module docstring); ``ValueError`` for a bad
    JSON line."""
    text = line.rstrip("\r\n")
    if not text.lstrip().startswith("{"):
        return text
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f'a line starting with "{{" must be a JSON object {{"message": ...}} or {{"cancel": true}}: {exc}'
        ) from exc
    if isinstance(raw, dict) and raw.get("cancel") is True and "message" not in raw:
        return CANCEL
    if not isinstance(raw, dict) or not isinstance(raw.get("message"), str):
        raise ValueError(
            'a line starting with "{" must be a JSON object {"message": "..."} or {"cancel": true}'
        )
    return raw["message"]


async def _session(args: argparse.Namespace) -> int:
    from dapper_tui.capsule.runtime import AgentRuntime

    printer = _Printer(args.json, not args.no_deltas)
    runtime = AgentRuntime(args.dir, watch=True, model=args.model, drain_timeout=args.drain_timeout)
    runtime.subscribe(printer)
    thread = runtime.open_thread(args.thread)
    try:
        await runtime.start()
    except Exception as exc:
        runtime.error(thread, f"the agent did not start: {type(exc).__name__}: {exc}")
        print(f"agent: the agent did not start: {exc} (thread {thread})", file=sys.stderr)
        await runtime.close()
        return 1
    _say_ready(args.json, runtime, thread)
    loop = asyncio.get_running_loop()
    lines = _stdin_lines(loop)
    session = _Session(runtime, thread, printer)
    turns = loop.create_task(session.run_turns())
    try:
        while (line := await lines.get()) is not None:
            session.take(line)
        session.messages.put_nowait(None)  # end of input: the turns already sent still run
        await turns
    finally:
        turns.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await turns
        await runtime.close()
    return 0


def _say_ready(as_json: bool, runtime: AgentRuntime, thread: str) -> None:
    if as_json:
        tools = [t.name for t in runtime.tools()]
        _print({"type": "ready", "thread": thread, "revision": runtime.revision, "tools": tools})
    else:
        print(
            f"agent {runtime.config.name}: thread {thread}, revision {runtime.revision}; one message per line"
        )


def _stdin_lines(loop: asyncio.AbstractEventLoop) -> asyncio.Queue[str | None]:
    """Stdin's lines, then None at its end, read on a daemon thread (Ctrl-C must not wait for a blocked readline)."""
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def read_stdin() -> None:
        for raw in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, raw)
        loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=read_stdin, name="agent-stdin", daemon=True).start()
    return lines


class _Session:
    """The long-lived session's messages: taken from stdin lines, run one turn at a time."""

    def __init__(self, runtime: AgentRuntime, thread: str, printer: _Printer) -> None:
        self.runtime = runtime
        self.thread = thread
        self.printer = printer
        self.messages: asyncio.Queue[str | None] = asyncio.Queue()
        self.running = False

    def notice(self, kind: str, **data: Any) -> None:
        self.printer(Event(type=kind, thread=self.thread, revision=self.runtime.revision, data=data))

    async def run_turns(self) -> None:
        while (text := await self.messages.get()) is not None:
            self.running = True
            try:
                async for _event in self.runtime.send(self.thread, text):
                    pass
            except Exception as exc:  # outside the turn's own error handling: say so, take the next message
                self.notice("error", message=f"the turn failed: {type(exc).__name__}: {exc}")
            finally:
                self.running = False

    def take(self, line: str) -> None:
        """One stdin line: a message is queued (said so if a turn runs or waits), a cancel line cancels."""
        try:
            text = read_line(line)
        except ValueError as exc:
            self.notice("error", message=str(exc))
            return
        if text is CANCEL:
            if not self.runtime.cancel(self.thread):
                self.notice("note", message="no turn is running: nothing to cancel")
            return
        assert isinstance(text, str)
        if not text.strip():
            return
        waiting = self.messages.qsize() + (1 if self.running else 0)
        if waiting:
            self.notice("queued", message=self.runtime.redact(text), position=waiting)
        self.messages.put_nowait(text)


def _list_threads(args: argparse.Namespace) -> int:
    from dapper_tui.capsule.threads import ThreadStore

    data = args.dir / "data"
    infos = ThreadStore(data).list() if data.is_dir() else []
    for info in infos:
        if args.json:
            _print({"type": "thread", "thread": info.id, "revision": None, **info.to_dict()})
        else:
            damaged = f"  [damaged: {info.damaged}]" if info.damaged else ""
            print(f"{info.id}  {info.events:4d} events  {info.title}{damaged}")
    return 0


def main(argv: list[str]) -> int:
    if argv and argv[0] == "init":
        init = argparse.ArgumentParser(prog="dapper-tui agent init")
        init.add_argument("dir", type=Path)
        init.add_argument("--name")
        init.add_argument("--force", action="store_true")
        a = init.parse_args(argv[1:])
        from dapper_tui.capsule.init import init_project

        try:
            written = init_project(a.dir, a.name, a.force)
        except FileExistsError as exc:
            print(f"agent init: {exc}", file=sys.stderr)
            return 2
        print(f"created agent project {a.dir} ({len(written)} files). Try:")
        print(f'  dapper-tui agent {a.dir} -m "/call add_note {{\\"text\\": \\"hello\\"}}"')
        return 0
    args = parser().parse_args(argv)
    if args.watch:
        print(
            "agent: --watch is the console's (dapper-tui agent DIR --watch); it has no headless use",
            file=sys.stderr,
        )
        return 2
    if not args.dir.is_dir():
        print(
            f"agent: {args.dir} is not a folder (create one with: dapper-tui agent init {args.dir})",
            file=sys.stderr,
        )
        return 2
    if args.list_threads:
        return _list_threads(args)
    try:
        if args.message is not None:
            return asyncio.run(_one_turn(args))
        return asyncio.run(_session(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
