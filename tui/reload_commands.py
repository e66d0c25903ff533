"""Hot reload and restart frame, as the debugger screen asks for them: a reload waits for the next stop while
the program runs; both run in thread workers (the engine answers on the program's thread) and report back as
events, reload-log records or notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dapper_tui.reload.record import ReloadRecord

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from .debugger_screen import DebuggerScreen


class ReloadCommands:
    def __init__(self, screen: DebuggerScreen) -> None:
        self.screen = screen
        self.session = screen.session

    def request(self, path: str) -> None:
        """Reload `path` now, or at the next stop while the program runs (a pending row in the reload log)."""
        screen = self.screen
        if self.session.state == "running":
            if path not in screen.dapp.pending:
                screen.dapp.pending.add(path)
                screen.reload_log.add_record(
                    ReloadRecord(
                        scope="debugger",
                        outcome="pending",
                        path=path,
                        message="the program is running: reloaded at the next stop",
                    )
                )
            return
        screen.run_worker(lambda: self._reload(path), thread=True, group="reload")

    def _reload(self, path: str) -> None:  # a worker thread
        try:
            self.session.reload(path, None)  # the result arrives as a Reloaded event
        except Exception as exc:
            record = ReloadRecord(
                scope="debugger", outcome="failed", path=path, message=f"{type(exc).__name__}: {exc}"
            )
            self.screen.from_thread(self.screen.reload_log.add_record, record)

    def restart_frame(self, frame: Any) -> None:
        """Run `frame`'s function again from its first line; a refusal is a notification with the reason."""
        if self.session.state != "stopped":
            self.screen.dapp.notify(f"the program is {self.session.state}, not stopped", severity="warning")
            return
        self.screen.run_worker(
            lambda: self._restart_frame(frame.id, frame.name),
            thread=True,
            exclusive=True,
            group="restart-frame",
        )

    def _restart_frame(self, frame_id: int, name: str) -> None:  # a worker thread
        refused = True
        try:
            line = self.session.restart_frame(frame_id)  # the stop arrives as a Stopped("restart") event
        except KeyError:
            text = f"{name} is gone: the program moved on"
        except (ValueError, RuntimeError) as exc:
            text = str(exc)
        except Exception as exc:
            text = f"{type(exc).__name__}: {exc}"
        else:
            text, refused = f"{name} restarted at line {line}", False

        def show() -> None:
            severity: SeverityLevel = "warning" if refused else "information"
            self.screen.dapp.notify(text, title="Restart frame", severity=severity, markup=False)

        self.screen.from_thread(show)

    def restart_logged_frame(self, wanted: dict[str, Any]) -> None:
        """Restart the frame a reload-log row left on its old code, found by name and line (it may be in
        another file than the one reloaded)."""
        for frame in self.screen.stack.frames():
            if frame.old_code and frame.name == wanted.get("name") and frame.line == wanted.get("line"):
                self.restart_frame(frame)  # its stop selects it (selecting it here could land after that)
                return
        self.screen.dapp.notify(
            f"{wanted.get('name')} (line {wanted.get('line')}) is no longer on the call stack with its old code",
            title="Restart frame",
            severity="warning",
            markup=False,
        )
