"""Breakpoints and watches are kept per project and come back on the next run."""

from dapper_tui.engine.breakpoints import BreakpointSpec
from dapper_tui.engine.persist import ProjectState, project_root
from dapper_tui.engine.session import DebugSession


def test_breakpoints_and_watches_survive_a_restart_of_the_debugger(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    proj = tmp_path / "proj"
    (proj / "pkg").mkdir(parents=True)
    (proj / "pyproject.toml").write_text("[project]\nname='x'\n")
    script = proj / "pkg" / "main.py"
    script.write_text("a = 1\nb = 2\nc = a + b\n")
    assert project_root(script) == proj

    first = DebugSession()
    first.set_breakpoints(str(script), [BreakpointSpec(2), BreakpointSpec(3, condition="a == 1")])
    first.set_function_breakpoints(["main"])
    ProjectState.load(script).remember(first.breakpoint_list(), ["a + b", "c"])

    second = DebugSession()
    state = ProjectState.load(script)
    assert state.watches == ["a + b", "c"]
    for path, specs in state.specs().items():
        second.set_breakpoints(path, specs)
    second.set_function_breakpoints(state.function_breakpoints)
    restored = [(b.line, b.condition, b.function) for b in second.breakpoint_list()]
    assert restored == [(2, None, None), (3, "a == 1", None), (None, None, "main")]


def test_a_corrupt_state_file_starts_empty(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    script = tmp_path / "s.py"
    script.write_text("x = 1\n")
    state = ProjectState.load(script)
    state.file.parent.mkdir(parents=True)
    state.file.write_text("{not json")
    assert ProjectState.load(script).specs() == {}


MOVED = """\
def total(items):
    result = 0
    for item in items:
        result += item
    return result  # the statement


print("first", total([1, 2]))
print("second", total([3, 4]))
"""


def test_a_breakpoint_a_reload_moves_is_saved_at_its_new_line(driver, tmp_path, monkeypatch):
    """The state file follows a hot reload at once (not only when the front end saves on exit), and the next
    session stops on the same statement."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    prog = driver.write("prog.py", MOVED)
    line = driver.line_of(prog, "# the statement")
    state = ProjectState.load(prog)
    state.follow(driver.session)
    driver.session.set_breakpoints(str(prog), [BreakpointSpec(line, condition="result > 0")])
    # what a front end does when the user sets a breakpoint
    state.remember(driver.session.breakpoint_list(), ["result"])
    driver.launch(prog)
    driver.stopped()
    assert driver.top() == ("total", line)
    prog.write_text(MOVED.replace("    result = 0\n", "    # two lines\n    # above it\n    result = 0\n"))
    assert driver.session.reload(str(prog)).ok

    saved = ProjectState.load(prog)
    assert saved.specs() == {str(prog.resolve()): [BreakpointSpec(line + 2, condition="result > 0")]}
    assert saved.watches == ["result"]  # a reload saves breakpoints only
    assert driver.finish().exit_code == 0

    second = DebugSession()
    try:
        for path, specs in saved.specs().items():
            second.set_breakpoints(path, specs)
        [bp] = second.breakpoint_list()
        assert bp.verified
        assert bp.line == line + 2
        assert prog.read_text().splitlines()[bp.line - 1].strip() == "return result  # the statement"
    finally:
        second.close()
