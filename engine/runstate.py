"""The program's run state, and every change to it.

`RunState` is what the front ends read (`session.state`); it is a `StrEnum`, so `state == "stopped"` and
f-strings keep working. Two requests ride on it and are genuinely independent of it:

- `pausing`: a pause was asked while the program runs; the next line in the program's own code stops it.
- `ending`: a terminate was asked; it holds while the state is still running or stopped, until the run's
  thread announces the exit (and after, for the program's daemon threads that are still running).

A third flag is the step's, not the run's: `into`, a step-into is under way (new code of the program must report
its lines); a stop ends it, a resume sets it.

`demand` is derived from the three, by the transitions below only: what every debuggee thread must do at its next
line event (end, park beside the stopped thread, or stop for a pause), or None. Each change is handed to `publish`:
the session keeps a copy the tracing callbacks read as one attribute of their own per line event.

The session makes every transition but `pause` under its parking lock; `pause` is called from the SIGINT relay and
only sets two attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum, StrEnum


class RunState(StrEnum):
    IDLE = "idle"  # nothing launched yet, or a restart is about to launch again
    RUNNING = "running"
    STOPPED = "stopped"  # a thread stopped; every other debuggee thread parks at its next line
    EXITED = "exited"


class Demand(Enum):
    END = "end"  # raise the end in the thread (a terminate)
    PARK = "park"  # another thread stopped: park beside it
    PAUSE = "pause"  # stop at the next line of the program's own code


class Run:
    def __init__(self, publish: Callable[[Demand | None], None]) -> None:
        self._publish = publish
        self.state = RunState.IDLE
        self.pausing = False
        self.ending = False
        self.into = False
        self.demand: Demand | None = None

    def _derive(self) -> None:
        if self.ending:
            self.demand = Demand.END
        elif self.state is RunState.STOPPED:
            self.demand = Demand.PARK
        elif self.pausing:
            self.demand = Demand.PAUSE
        else:
            self.demand = None
        self._publish(self.demand)

    def _go(
        self,
        state: RunState | None = None,
        *,
        pausing: bool | None = None,
        ending: bool | None = None,
        into: bool | None = None,
    ) -> None:
        if state is not None:
            self.state = state
        if pausing is not None:
            self.pausing = pausing
        if ending is not None:
            self.ending = ending
        if into is not None:
            self.into = into
        self._derive()

    def launching(self) -> None:
        """A new run starts clean: nothing of the previous one (a terminated stop, a pause) carries over."""
        self._go(pausing=False, ending=False, into=False)

    def launched(self) -> None:
        self._go(RunState.RUNNING)

    def stopped(self) -> None:
        self._go(RunState.STOPPED, pausing=False, into=False)

    def resumed(self) -> None:
        self._go(RunState.RUNNING)

    def pause(self) -> None:
        self._go(pausing=True)

    def terminating(self) -> None:
        self._go(ending=True)

    def exited(self) -> None:
        self._go(RunState.EXITED)

    def idle(self) -> None:
        """A restart: the old run is over, the next one not launched yet."""
        self._go(RunState.IDLE)

    def forked(self) -> None:
        """In a child forked while debugging: the program runs on by itself, nothing stopped or paused."""
        self._go(RunState.RUNNING, pausing=False, into=False)
