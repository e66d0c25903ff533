"""Hot reload through the debug session, on a real stopped program: edit on disk, reload, continue."""

import sys

from dapper_tui.engine.breakpoints import BreakpointSpec
from dapper_tui.engine.events import LoadedSource, Reloaded
from dapper_tui.engine.reload_scope import DebuggerReloadScope
from dapper_tui.reload.coordinator import ReloadCoordinator
from helpers import edit, wait_until

PROGRAM = """
    import pricing

    def main():
        totals = []
        for n in range(3):
            totals.append(pricing.price(n))   # loop
        print("totals", totals)

    main()
    """
PRICING = """
    RATE = 10


    def price(n):
        return n * RATE                    # body
    """


def test_edit_reload_continue_runs_new_code_and_breakpoints_follow_their_lines(driver):
    prog = driver.write("prog.py", PROGRAM)
    pricing = driver.write("pricing.py", PRICING)
    driver.session.set_breakpoints(str(prog), [driver.line_of(prog, "# loop")])
    body = driver.line_of(pricing, "# body")
    driver.session.set_breakpoints(str(pricing), [BreakpointSpec(body, condition="n == 2")])
    driver.launch(prog)
    driver.stopped()
    driver.session.set_breakpoints(str(prog), [])
    # insert two lines above the breakpoint, and change the body
    edit(pricing, "RATE = 10\n", "RATE = 10\n# a comment\nBONUS = 1\n")
    edit(pricing, "return n * RATE", "return n * RATE + BONUS")
    result = driver.session.reload(str(pricing))
    assert result.ok, result.error
    assert result.reloadedModule == "pricing"
    assert result.patchedFunctions >= 1
    assert "price" in result.changed
    assert "BONUS" in " ".join(result.added)
    [bp] = [b for b in driver.session.breakpoint_list() if b.path and b.path.endswith("pricing.py")]
    assert bp.line == body + 2
    assert any(isinstance(e, LoadedSource) and e.reason == "changed" for e in _drain(driver))
    driver.session.continue_()
    stop = driver.stopped()  # the moved breakpoint still hits, in the new code
    assert stop.reason == "breakpoint"
    assert driver.top() == ("price", body + 2)
    assert driver.finish().exit_code == 0
    assert "totals [1, 11, 21]" in driver.output()


def test_a_broken_save_changes_nothing(driver):
    prog = driver.write("prog.py", PROGRAM)
    pricing = driver.write("pricing.py", PRICING)
    driver.run_to(prog, "# loop")
    driver.session.set_breakpoints(str(prog), [])
    edit(pricing, "return n * RATE", "return n * RATE +")
    result = driver.session.reload(str(pricing))
    assert not result.ok
    assert "line" in (result.error or "").lower()
    assert driver.finish().exit_code == 0
    assert "totals [0, 10, 20]" in driver.output()


def test_reload_is_refused_while_running_and_for_files_not_loaded(driver):
    prog = driver.write("prog.py", "import time\nfor _ in range(200):\n    time.sleep(0.01)\n")
    other = driver.write("other.py", "x = 1\n")
    driver.launch(prog)
    driver.running(prog)
    result = driver.session.reload(str(prog))
    assert not result.ok
    assert "stopped" in (result.error or "")
    driver.session.pause()
    driver.stopped()
    result = driver.session.reload(str(other))
    assert not result.ok
    assert "not loaded" in (result.error or "")
    notes = driver.write("notes.txt", "hello")
    assert not driver.session.reload(str(notes)).ok
    driver.session.evaluate("_ = None")


def test_save_while_running_is_pending_then_applied_at_the_next_stop(driver):
    prog = driver.write(
        "prog.py",
        """
        import time
        import pricing
        seen = []
        for n in range(40):
            seen.append(pricing.price(1))
            time.sleep(0.02)
            if n == 30:
                breakpoint()
        print("last", seen[-1])
        """,
    )
    pricing = driver.write("pricing.py", PRICING)
    coordinator = ReloadCoordinator(debounce_ms=20)
    scope = DebuggerReloadScope(driver.session, coordinator)
    coordinator.add_scope(scope, [driver.tmp])
    coordinator.start()
    try:
        driver.launch(prog)
        # the program runs its loop with pricing imported, and the watcher is up: the save comes now
        wait_until(lambda: hasattr(sys.modules.get("pricing"), "price"), what="pricing never imported")
        wait_until(lambda: coordinator.watching, what="the watcher never started")
        edit(pricing, "return n * RATE", "return n * RATE * 7")
        wait_until(lambda: any(r.outcome == "pending" for r in coordinator.log), 5, lambda: coordinator.log)
        assert [r.outcome for r in coordinator.log] == ["pending"]
        driver.stopped()  # breakpoint() at n == 30
        wait_until(lambda: any(r.outcome == "applied" for r in coordinator.log), 5, lambda: coordinator.log)
        applied = [r for r in coordinator.log if r.outcome == "applied"]
        assert applied
        assert applied[0].module == "pricing"
        assert applied[0].scope == "debugger"
        assert driver.finish().exit_code == 0
        assert "last 70" in driver.output()
    finally:
        coordinator.stop()


def _drain(driver):
    driver.output()
    return [e for e in driver.seen if isinstance(e, (LoadedSource, Reloaded))]


def test_a_save_already_applied_by_the_reload_key_is_no_second_reload(driver):
    """Reload key first (session.reload), then the watcher sees the same save: one reload, then 'skipped'."""
    prog = driver.write("prog.py", PROGRAM)
    pricing = driver.write("pricing.py", PRICING)
    driver.session.set_breakpoints(str(prog), [BreakpointSpec(driver.line_of(prog, "# loop"))])
    scope = DebuggerReloadScope(driver.session)
    driver.launch(prog)
    driver.stopped()
    edit(pricing, "return n * RATE", "return n * RATE + 1")
    assert driver.session.reload(str(pricing)).ok  # the reload key
    record = scope.reload(pricing)  # the same save, seen by the watcher
    assert record.outcome == "skipped", record.message
    assert driver.finish().exit_code == 0
