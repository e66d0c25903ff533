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
