"""Chaos test of the agent runtime: ``kill -9`` of the capsule and of the agent at random moments, hung tools, and
second processes opening the thread, on one real project and one thread; no acknowledged record is lost and no
process is left behind.

What runs (all real: ``python -m dapper_tui.capsule.cli DIR --json --thread T`` agents reading messages on stdin,
their capsule processes, the scripted model, the thread file on disk):

- rounds of a long-lived agent on thread ``T``; in each, a seeded random schedule of actions: a quick call, a hung
  tool (synchronous, async, or a capsule that SIGSTOPs itself) that the per-call timeout must end, a tool that
  leaves children behind (a grandchild, its own process group, a ``setsid`` escapee, a forked capsule), a
  ``kill -9`` of a capsule process in the middle of a call, and a second agent (``-m``) writing the same thread
  at the same time. Each round ends with a ``kill -9`` of the agent at a random moment of a random turn (often
  during a hung or SIGSTOPped call), or with a normal close;
- all along, another process opens the thread for writing, reads it and lists the threads, in a loop;
- then a last agent must start, serve a call and close normally.

**Acknowledged record**: a complete line (ending in a newline) that an agent printed on stdout with ``--json``
and that carries ``seq > 0``. The agent prints an event only after ``ThreadWriter.append`` returned, that is
after the whole line was written to the thread file (``write(2)`` on an ``O_APPEND`` descriptor, under the
thread's ``flock``); a kill can only cut the line being printed, and such a partial line is not counted. A lost
record is an acknowledged one that is not in the thread file at the end with the same ``seq`` and the same
content.

**Leftover process**: after every agent has ended (killed or closed) and a grace of a few seconds, a live
(non-zombie) process whose command line names the project folder, whose environment has
``DAPPER_AGENT_DIR=<project>`` (every capsule and what its tools start), or whose process group or session is
that of a capsule seen during the run.

The schedule is reproducible: ``DAPPER_CHAOS_SEED`` (default 13) and ``DAPPER_CHAOS_ROUNDS`` (default 6) choose
it; the moments of the kills are drawn from it too (what is running at that moment still depends on the
machine's speed). The figures are printed (``-s`` shows them) and asserted on.
"""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest
from chaos_helpers import (
    PY,
    THREAD,
    Agent,
    capsules_of,
    chaos_project,
    settle_leftovers,
    stored,
)

SEED = int(os.environ.get("DAPPER_CHAOS_SEED", "13"))
ROUNDS = int(os.environ.get("DAPPER_CHAOS_ROUNDS", "6"))
CALL_TIMEOUT = 1.0

OPENER = """
import sys
import time
from pathlib import Path
from dapper_tui.capsule.threads import ThreadStore

data, thread, stop = sys.argv[1], sys.argv[2], Path(sys.argv[3])
store = ThreadStore(Path(data))
opens = 0
while not stop.exists():
    if store.exists(thread):
        writer = store.writer(thread)  # what a second `agent DIR --thread ID` or the TUI does first
        writer.close()
        store.read(thread)
        store.list()
        opens += 1
    time.sleep(0.01)  # about 50 opens a second: a busy loop would take a core from the agents
print(opens, flush=True)
"""


# -- the run -----------------------------------------------------------------------------------------------------


@dataclass
class Figures:
    seed: int
    rounds: int
    agent_starts: int = 0
    agents_that_did_not_start: int = 0
    capsule_kills: int = 0
    agent_kills: int = 0
    agent_kills_during_hung_call: int = 0
    agent_kills_while_starting: int = 0
    hung_calls_timed_out: int = 0
    second_process_opens: int = 0
    second_agents: int = 0
    acknowledged: int = 0
    lost: int = 0
    duplicate_seqs: int = 0
    calls_left_running: int = 0
    capsules_seen: int = 0
    leftover_processes: int = 0
    agent_tracebacks: int = 0  # in the agents' stderr (tests/chaos's tmp agents.log)
    seconds: float = 0.0
    cpu_seconds: float = (
        0.0  # this test and the processes it waited for (capsules of killed agents not counted)
    )
    leftovers: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


HUNG = ["hang_sync", "hang_async", "stop_self"]


class Chaos:
    def __init__(self, root: Path, tmp: Path, seed: int) -> None:
        self.root = root
        self.tmp = tmp
        self.rng = random.Random(seed)
        self.figures = Figures(seed=seed, rounds=ROUNDS)
        self.acked: list[dict[str, Any]] = []
        self.capsules: set[int] = set()
        self.i = 0
        self.log = tmp / "agents.log"

    def note(self) -> str:
        self.i += 1
        return f'/call note {{"i": {self.i}}}'

    def start_agent(self) -> Agent:
        agent = Agent(self.root, self.log)
        self.figures.agent_starts += 1
        try:
            ready = agent.wait_for(lambda e: e.get("type") == "ready")
            assert "note" in ready["tools"], ready
        except AssertionError as exc:
            self.figures.agents_that_did_not_start += 1
            self.figures.problems.append(f"agent did not start: {exc}")
            raise
        return agent

    def seen(self, agent: Agent) -> list[int]:
        pids = capsules_of(agent.proc.pid)
        self.capsules.update(pids)
        return pids

    def finish(self, agent: Agent) -> None:
        self.seen(agent)
        self.acked.extend(agent.acked)

    # actions inside a round; each leaves the agent idle again

    def quick(self, agent: Agent) -> None:
        agent.send(self.note())
        result = agent.wait_for(lambda e: e.get("type") == "tool_result")
        if result.get("is_error"):
            self.figures.problems.append(f"a quick call failed: {result.get('result')}")
        agent.turn_end()

    def hung(self, agent: Agent) -> None:
        tool = self.rng.choice(HUNG)
        agent.send(f"/call {tool}\n{self.note()}")
        first = agent.wait_for(lambda e: e.get("type") == "tool_result")
        if "timed out after" in str(first.get("result")):
            self.figures.hung_calls_timed_out += 1
        else:
            self.figures.problems.append(f"hung {tool} was not timed out: {first.get('result')}")
        agent.turn_end()

    def spread(self, agent: Agent) -> None:
        agent.send(f"/call spread\n{self.note()}")
        agent.turn_end()
        self.seen(agent)

    def kill_capsule(self, agent: Agent) -> None:
        # the kills land inside the turn (a kill after it, just before the next turn's first call, races the
        # agent noticing the death: that call fails as "killed during this call", which is not what is tested)
        agent.send(f'/call slow {{"seconds": 1.5}}\n{self.note()}')
        kills = self.rng.choice([1, 1, 2])  # a second kill often hits the replacement while it starts
        for _ in range(kills):
            time.sleep(self.rng.uniform(0.0, 0.6))
            victims = self.seen(agent)
            if victims:
                os.kill(self.rng.choice(sorted(victims)), signal.SIGKILL)
                self.figures.capsule_kills += 1
        agent.turn_end()

    def second_agent(self, agent: Agent) -> None:
        other = Agent(self.root, self.log, "-m", self.note())
        self.figures.second_agents += 1
        agent.send(f'/call slow {{"seconds": 0.3}}\n{self.note()}')
        agent.turn_end()
        code = other.proc.wait(60)
        other._reader.join(10)
        if code != 0:
            self.figures.problems.append(f"second agent exited {code}")
        self.acked.extend(other.acked)

    def kill_while_starting(self) -> None:
        agent = Agent(self.root, self.log)
        self.figures.agent_starts += 1
        deadline = time.monotonic() + self.rng.uniform(0.3, 2.5)
        while time.monotonic() < deadline and agent.proc.poll() is None:
            self.seen(agent)
            time.sleep(0.05)
        agent.kill()
        self.figures.agent_kills += 1
        self.figures.agent_kills_while_starting += 1
        self.finish(agent)

    def end_round(self, agent: Agent) -> None:
        if self.rng.random() < 0.25:
            code = agent.close()
            if code != 0:
                self.figures.problems.append(f"agent closed with exit status {code}")
            self.finish(agent)
            return
        kind = self.rng.choice(["hung", "hung", "spread", "slow", "note"])
        if kind == "hung":
            agent.send(f"/call {self.rng.choice(HUNG)}\n{self.note()}")
        elif kind == "spread":
            agent.send(f'/call spread\n/call slow {{"seconds": 0.5}}\n{self.note()}')
        elif kind == "slow":
            agent.send(f'/call slow {{"seconds": 0.5}}\n{self.note()}')
        else:
            agent.send(self.note())
        time.sleep(self.rng.uniform(0.0, 1.0 if kind != "hung" else CALL_TIMEOUT * 0.9))
        self.seen(agent)
        hung_now = kind == "hung" and any(
            e.get("type") == "tool_call" and e.get("tool") in HUNG for e in agent.acked[-3:]
        )
        agent.kill()
        self.figures.agent_kills += 1
        self.figures.agent_kills_during_hung_call += hung_now
        self.finish(agent)

    def run(self) -> None:
        actions = [self.quick, self.hung, self.spread, self.kill_capsule, self.second_agent]
        weights = [2, 3, 2, 3, 1]
        for number in range(ROUNDS):
            if (
                number == 1 or self.rng.random() < 0.15
            ):  # killed while it starts (its capsule spawning, handshaking)
                self.kill_while_starting()
            agent = self.start_agent()
            try:
                self.seen(agent)
                # every kind of action comes up once in the first rounds, then they are drawn at random
                todo = [actions[number % len(actions)]]
                todo += self.rng.choices(actions, weights, k=self.rng.randint(0, 2))
                for action in todo:
                    action(agent)
                self.end_round(agent)
            finally:
                if agent.proc.poll() is None:
                    agent.kill()
                    self.finish(agent)
        last = self.start_agent()  # after all that, an agent starts, serves a call and closes normally
        self.quick(last)
        code = last.close()
        if code != 0:
            self.figures.problems.append(f"the last agent closed with exit status {code}")
        self.finish(last)


def cpu_used() -> float:
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    )


@pytest.mark.slow
def test_kills_hangs_and_second_processes_lose_no_acknowledged_record_and_leave_no_process(
    tmp_path: Path,
    record_property: Callable[[str, object], None],
) -> None:
    started = time.monotonic()
    cpu_before = cpu_used()
    root = chaos_project(tmp_path / "agent", CALL_TIMEOUT)
    data = root / "data"
    stop = tmp_path / "stop-opener"
    opener = subprocess.Popen(
        [PY, "-c", OPENER, str(data), THREAD, str(stop)], stdout=subprocess.PIPE, text=True
    )
    chaos = Chaos(root, tmp_path, SEED)
    figures = chaos.figures
    try:
        chaos.run()
    finally:
        stop.touch()
        out, _ = opener.communicate(timeout=60)
        figures.second_process_opens = int(out.split()[0]) if out.split() else 0
        left = settle_leftovers(root, chaos.capsules, within=5.0)
        figures.leftover_processes = len(left)
        figures.leftovers = [
            f"{p.pid} pgrp={p.pgrp} sid={p.sid} state={p.state} {p.command[:100]}" for p in left
        ]
        for p in left:  # whatever the outcome, this test leaves nothing running
            try:
                os.kill(p.pid, signal.SIGCONT)
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    events = stored(data / "threads" / f"{THREAD}.jsonl")
    by_seq: dict[int, dict[str, Any]] = {}
    for event in events:
        if event.get("seq") in by_seq:
            figures.duplicate_seqs += 1
        by_seq[event.get("seq", 0)] = event
    acked = {e["seq"]: e for e in chaos.acked}  # an event is printed once, by the process that wrote it
    figures.acknowledged = len(acked)
    lost = [e for seq, e in acked.items() if by_seq.get(seq) != e]
    figures.lost = len(lost)
    answered = {(e.get("turn"), str(e.get("call_id"))) for e in events if e.get("type") == "tool_result"}
    running = [
        e
        for e in events
        if e.get("type") == "tool_call" and (e.get("turn"), str(e.get("call_id"))) not in answered
    ]
    figures.calls_left_running = len(running)
    figures.capsules_seen = len(chaos.capsules)
    if chaos.log.exists():
        figures.agent_tracebacks = chaos.log.read_text(errors="replace").count(
            "Traceback (most recent call last)"
        )
    figures.seconds = round(time.monotonic() - started, 1)
    figures.cpu_seconds = round(cpu_used() - cpu_before, 1)

    report = json.dumps(asdict(figures), indent=1)
    print(f"\nagent chaos figures:\n{report}")
    for name, value in asdict(figures).items():
        if not isinstance(value, list):
            record_property(name, value)  # the run's 'figures' summary (tests/conftest.py)
    assert figures.lost == 0, (
        f"acknowledged records lost: {[(e['seq'], e['type']) for e in lost][:10]}\n{report}"
    )
    assert figures.duplicate_seqs == 0, report
    assert figures.leftover_processes == 0, report
    assert figures.calls_left_running == 0, f"{[(e['tool'], e['turn']) for e in running]}\n{report}"
    assert figures.agents_that_did_not_start == 0, report
    assert not figures.problems, report
    assert figures.agent_tracebacks == 0, f"{report}\nsee {chaos.log}"
    # the chaos really happened
    assert figures.agent_kills >= ROUNDS // 2, report
    assert figures.capsule_kills > 0, report
    assert figures.hung_calls_timed_out > 0, report
    assert figures.second_process_opens > 0, report
    assert figures.acknowledged > 10 * ROUNDS, report
