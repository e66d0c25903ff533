"""Soak: 200 random edit/save cycles of one module, into a stopped and a running program.

Every save goes through the real watcher path: watchfiles, the one reload coordinator, the debugger's reload scope,
the debug session and the reload transaction. The cycles are drawn from a seeded generator
(``DAPPER_SOAK_SEED``, ``DAPPER_SOAK_CYCLES``), so a failure is reproduced by its seed:

- a good save (a new version);
- a syntax error;
- a module body that changes the module's kept objects in place and rebinds a name, then raises;
- a non-atomic save: the file is truncated, then written 0 to 500 ms later;
- a deletion: the file is removed, then restored (the last good text, or a new version).

Stopped cycles: the program is stopped at its checkpoint, the save reloads at once. Running cycles: the program
runs, the save is pending, and a breakpoint set after the save stops it at the checkpoint (the pending save is
applied at that stop, while a non-atomic save may still be half written).

After each cycle, at the checkpoint, the test asserts what a user would see: the module's counter equals the
number of times the program incremented it (no state lost), the live surface is one version (no mixed surface)
and it is the last good version, and the history of applied versions has no entry of a failed body. The program
checks the same on every iteration on its own. At the end it runs on to its exit with the last good code.
"""

from __future__ import annotations

import ast
import os
import queue
import random
import threading
import time
from collections import Counter
from typing import Any

import pytest
from dapper_tui.engine.reload_scope import start_watching
from dapper_tui.reload.coordinator import ReloadCoordinator
from dapper_tui.reload.record import ReloadRecord
from helpers import wait_until

CYCLES = int(os.environ.get("DAPPER_SOAK_CYCLES", "200"))
SEED = int(os.environ.get("DAPPER_SOAK_SEED", "1313"))
KINDS = {"good": 40, "syntax": 15, "raises": 15, "nonatomic": 18, "delete": 12}
WAIT_S = 20.0  # a deadline, never a sleep

HEAD = """\
COUNTER = 0
STATE = {"n": 0}
HISTORY = []
VERSION = %(v)d
HISTORY.append(%(v)d)


def tick():
    global COUNTER
    COUNTER += 1
    STATE["n"] += 1


def a():
    return %(v)d
"""
TAIL = """

def b():
    return %(v)d


class Surface:
    def c(self):
        return %(v)d


def surface():
    return (VERSION, a(), b(), Surface().c())
"""
RAISES = """
STATE["n"] = -1
HISTORY.append("bad")
COUNTER = -1
VERSION = -1
raise RuntimeError("soak: the body raises")
"""

PROGRAM = """\
import os
import sys
import time

import state

ticks = 0
mixed = []


def observe():
    s = state.surface()
    direct = (state.VERSION, state.a(), state.b())
    if len(set(s) | set(direct)) != 1:
        mixed.append((ticks, s, direct))


while not os.path.exists(sys.argv[1]):
    state.tick()
    ticks += 1
    observe()
    time.sleep(0.01)  # checkpoint
print("final", repr((state.surface(), state.COUNTER, ticks, mixed[:3], list(state.HISTORY))))
"""


def _good(v: int) -> str:
    return HEAD % {"v": v} + TAIL % {"v": v}


def _syntax(v: int) -> str:
    return HEAD % {"v": v} + "\ndef broken(:\n    return\n" + TAIL % {"v": v}


def _raises(v: int) -> str:
    return HEAD % {"v": v} + TAIL % {"v": v} + RAISES


class Soak:
    def __init__(self, driver: Any) -> None:
        tmp = driver.tmp
        self.driver = driver
        self.session = self.driver.session
        self.state = self.driver.write("state.py", _good(0))
        self.prog = self.driver.write("prog.py", PROGRAM)
        self.flag = tmp.parent / f"{tmp.name}.done"
        self.checkpoint = self.driver.line_of(self.prog, "# checkpoint")
        self.records: queue.Queue[ReloadRecord] = queue.Queue()
        self.coordinator = ReloadCoordinator()
        self.coordinator.subscribe(self.records.put)
        self.scope: Any = None
        self.good_text = _good(0)  # the last text that applied
        self.live = 0  # the version the program must run
        self.history: list[Any] = [0]  # the versions applied, in order
        self.problems: list[str] = []
        self.states_lost = 0
        self.mixed = 0
        self.wrong_version = 0

    # -- the program ---------------------------------------------------------------------------------------
    def start(self) -> None:
        self.session.set_breakpoints(str(self.prog), [self.checkpoint])
        self.driver.launch(self.prog, str(self.flag))
        self.driver.stopped()
        self.scope = start_watching(self.coordinator, self.session, [str(self.driver.tmp)])

    def stop_at_checkpoint(self) -> None:
        self.session.set_breakpoints(str(self.prog), [self.checkpoint])
        self.driver.stopped(WAIT_S)

    def run_on(self) -> None:
        self.session.set_breakpoints(str(self.prog), [])
        self.session.continue_()

    def step(self) -> None:
        """One more iteration of the program: continue to the next stop at the checkpoint."""
        self.session.continue_()
        self.driver.stopped(WAIT_S)

    # -- saves ---------------------------------------------------------------------------------------------
    def wait_record(self, since: int, match, what: str) -> ReloadRecord:
        return wait_until(
            lambda: next((record for record in self.coordinator.log[since:] if match(record)), None),
            WAIT_S,
            lambda: f"no {what} record; log: {self.coordinator.log[since:]}",
            interval=0.01,
        )

    def wait_live(self, v: int) -> None:
        """Until the module runs version `v` (a save that is never applied fails here: it was lost)."""
        wait_until(
            lambda: self._version() == v,
            WAIT_S,
            lambda: f"version {v} was never applied; log: {self.coordinator.log[-6:]}",
            interval=0.01,
        )

    def _version(self) -> object:
        try:
            return self.session.evaluate_value("state.VERSION")
        except AttributeError:  # read while a later reload of this save is being applied: ask again
            return None

    def nonatomic(self, text: str, gap: float) -> None:
        with open(self.state, "w") as f:  # truncates: the watcher may see an empty module
            f.flush()
            os.fsync(f.fileno())
            time.sleep(gap)  # the fault injected: the rest of the save comes this much later
            f.write(text)

    # -- checks --------------------------------------------------------------------------------------------
    def check(self, cycle: int, kind: str) -> None:
        value = self.session.evaluate_value
        counter, n, ticks = value("state.COUNTER"), value("state.STATE['n']"), value("ticks")
        history, surface = list(value("state.HISTORY")), value("state.surface()")
        direct = (value("state.VERSION"), value("state.a()"), value("state.b()"))
        where = f"cycle {cycle} ({kind}, seed {SEED})"
        if counter != ticks or n != ticks or history != self.history:
            self.states_lost += 1
            self.problems.append(
                f"{where}: state lost: COUNTER={counter} STATE['n']={n} ticks={ticks} HISTORY={history}"
            )
        if len(set(surface) | set(direct)) != 1:
            self.mixed += 1
            self.problems.append(f"{where}: mixed surface {surface} {direct}")
        elif surface[0] != self.live:
            self.wrong_version += 1
            self.problems.append(f"{where}: runs version {surface[0]}, expected {self.live}")

    def applied(self, text: str, v: int) -> None:
        self.good_text, self.live = text, v
        self.history.append(v)


def _is(outcome: str, *words: str):
    def match(record: ReloadRecord) -> bool:
        return record.outcome == outcome and all(w in record.message for w in words)

    return match


def _cycle(soak: Soak, rng: random.Random, cycle: int, running: bool, kind: str) -> None:
    v = cycle
    since = len(soak.coordinator.log)
    writer: threading.Thread | None = None
    if running:
        soak.run_on()
    if kind == "good":
        soak.state.write_text(_good(v))
    elif kind == "syntax":
        soak.state.write_text(_syntax(v))
    elif kind == "raises":
        soak.state.write_text(_raises(v))
    elif kind == "nonatomic":
        gap = rng.uniform(0.0, 0.5)
        if running:  # the program stops while the save may still be half written
            writer = threading.Thread(target=soak.nonatomic, args=(_good(v), gap))
            writer.start()
        else:
            soak.nonatomic(_good(v), gap)
    elif kind == "delete":
        restore_new = rng.random() < 0.5
        soak.state.unlink()
        if running:
            soak.wait_record(since, _is("pending"), "pending (deletion)")
        else:
            soak.wait_record(since, lambda r: r.outcome in ("failed", "skipped"), "refused (deletion)")
        since = len(soak.coordinator.log)
        soak.state.write_text(_good(v) if restore_new else soak.good_text)
        kind = "delete+new" if restore_new else "delete+same"
    if running:
        soak.wait_record(since, _is("pending"), "pending")
        soak.stop_at_checkpoint()
        assert soak.scope.settle(WAIT_S)
        if writer is not None:
            writer.join()
    if kind in ("good", "nonatomic", "delete+new"):
        soak.wait_record(since, lambda r: r.outcome == "applied", "applied")
        soak.wait_live(v)  # an earlier "applied" (a first half of the save) may come before this save's own
        soak.applied(_good(v), v)
    elif kind == "syntax":
        soak.wait_record(since, _is("failed", "SyntaxError"), "syntax error")
    elif kind == "raises":
        soak.wait_record(since, _is("failed", "rolled back"), "rolled back")
    else:  # the same text back: nothing to apply
        soak.wait_record(since, lambda r: r.outcome in ("skipped", "applied"), "restored")
    soak.check(cycle, kind)
    if not running:
        soak.step()  # one more iteration of the program on what is live now
        soak.check(cycle, kind)


@pytest.mark.slow
def test_reload_soak(driver, record_property) -> None:
    rng = random.Random(SEED)
    soak = Soak(driver)
    started = time.perf_counter()
    plan = Counter()
    try:
        soak.start()
        for cycle in range(1, CYCLES + 1):
            running = rng.random() < 0.5
            kind = rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
            plan[("running" if running else "stopped", kind)] += 1
            _cycle(soak, rng, cycle, running, kind)
        # the end: the program runs on to its exit with the last good code
        soak.run_on()
        soak.flag.write_text("done")
        exited = soak.driver.finish(WAIT_S)
        final = soak.driver.output().strip().splitlines()[-1]
    finally:
        soak.coordinator.stop()
        soak.flag.unlink(missing_ok=True)
    elapsed = time.perf_counter() - started
    log = [r for r in soak.coordinator.log if r.path.endswith("state.py")]
    outcomes = Counter(r.outcome for r in log)
    rolled_back = sum(1 for r in log if r.outcome == "failed" and "rolled back" in r.message)
    unchanged = sum(1 for r in log if r.outcome == "skipped" and r.message.startswith("no change"))
    figures = {
        "cycles": CYCLES,
        "stopped": sum(n for (mode, _), n in plan.items() if mode == "stopped"),
        "running": sum(n for (mode, _), n in plan.items() if mode == "running"),
        "applied": outcomes["applied"],
        "refused": outcomes["failed"] - rolled_back + outcomes["skipped"] - unchanged,
        "rolled back": rolled_back,
        "unchanged": unchanged,
        "pending": outcomes["pending"],
        "refused as running": sum(1 for r in log if r.message.startswith("the debuggee is running")),
        "states lost": soak.states_lost,
        "mixed surfaces": soak.mixed,
        "wrong version": soak.wrong_version,
        "time s": round(elapsed, 1),
    }
    for name, value in figures.items():
        record_property(name, value)
    print(f"\nreload soak (seed {SEED}): " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    print("cycles by kind: " + ", ".join(f"{m}/{k} {n}" for (m, k), n in sorted(plan.items())))
    print(
        "not applied: "
        + "; ".join(sorted({r.message.split(":")[0][:60] for r in log if r.outcome != "applied"}))
    )
    assert not soak.problems, "\n".join(soak.problems[:20])
    # a save the program was resumed under is pending (applied at the next stop), never refused as "running"
    assert figures["refused as running"] == 0
    assert exited.exit_code == 0
    assert final.startswith("final "), final
    surface, counter, ticks, mixed, history = ast.literal_eval(final.removeprefix("final "))
    assert surface == (soak.live,) * 4, "the program did not end on the last good code"
    assert counter == ticks, "the program's state was lost"
    assert history == soak.history, "the program's state was lost"
    assert mixed == [], "the program saw a mixed surface"
