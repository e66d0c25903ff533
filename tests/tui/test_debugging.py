"""Stopping, stepping, the call stack, variables, watches and breakpoints, as a user sees them."""

from __future__ import annotations

from pathlib import Path

from dapper_tui.tui.panes.variables import PAGE
from dapper_tui.tui.screens.condition import ConditionScreen
from dapper_tui.tui.screens.evaluate import EvaluateScreen
from dapper_tui.tui.screens.prompt import PromptScreen
from helpers import line_of, write
from tuihelpers import EXAMPLES, app_until, label, make_app, press_and_stop, wait_stopped

PROGRAM = """\
def helper(n):
    doubled = n * 2
    return doubled + 1


def main():
    count = 3
    name = "widget"
    result = helper(count)
    print("result", result)
    return result


main()
"""


async def test_stop_at_breakpoint_shows_line_stack_and_locals(tmp_path: Path) -> None:
    prog = write(tmp_path, "prog.py", PROGRAM)
    line = line_of(prog, "result = helper")
    app = make_app(prog, {prog: [line]})
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, line)
        screen = app.main
        assert screen.source.path == str(prog.resolve())
        assert screen.source.current_line == line
        assert "Breakpoint at prog.py" in screen.state_text
        frames = screen.stack.frames()
        assert [f.name for f in frames] == ["main", "<module>"]
        assert f"main  prog.py:{line}" in label(screen.stack._frame_nodes[frames[0].id])
        await app_until(pilot, lambda: screen.variables.find("name") is not None)
        assert "'widget'" in label(screen.variables.find("name"))
        assert "count = 3" in label(screen.variables.find("count"))
        # the breakpoint is listed and marked in the gutter
        assert f"prog.py:{line}" in str(screen.breakpoints.get_option_at_index(0).prompt)
        assert line in screen.source.markers


async def test_step_keys_move_through_the_program(tmp_path: Path) -> None:
    prog = write(tmp_path, "prog.py", PROGRAM)
    call = line_of(prog, "result = helper")
    app = make_app(prog, {prog: [call]})
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, call)
        await press_and_stop(pilot, "s", line_of(prog, "doubled = n * 2"))  # step in (pudb key)
        assert app.main.stack.frames()[0].name == "helper"
        await press_and_stop(pilot, "f10", line_of(prog, "return doubled + 1"))  # step over (VS Code key)
        await app_until(pilot, lambda: app.main.variables.find("doubled") is not None)
        assert "doubled = 6" in label(app.main.variables.find("doubled"))
        await press_and_stop(pilot, "shift+f11")  # step out, back in main (after the call's line)
        assert app.main.stack.frames()[0].name == "main"
        assert app.main.source.current_line in (call, call + 1)
        if app.main.source.current_line == call:
            await press_and_stop(pilot, "n", call + 1)
        await app_until(pilot, lambda: app.main.variables.find("result") is not None)
        assert "result = 7" in label(app.main.variables.find("result"))
        # u / d move between frames: the caller's source line and locals show
        await pilot.press("u")
        await app_until(pilot, lambda: app.main.stack.selected_frame.name == "<module>")
        assert app.main.source.current_line == len(prog.read_text().splitlines())  # the last line: main()
        await pilot.press("d")
        await app_until(pilot, lambda: app.main.stack.selected_frame.name == "main")


async def test_variables_expand_lazily_and_page_a_million_element_list(tmp_path: Path) -> None:
    prog = write(
        tmp_path,
        "big.py",
        """\
        big = list(range(1_000_000))
        small = {"a": 1, "b": [1, 2, 3]}
        print(len(big))  # stop here
        """,
    )
    line = line_of(prog, "stop here")
    app = make_app(prog, {prog: [line]})
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, line)
        tree = app.main.variables
        await app_until(pilot, lambda: tree.find("big") is not None)
        node = tree.find("big")
        assert "[1,000,000]" in label(node)
        assert not node.children  # nothing fetched before expanding
        node.expand()
        # one page and a "more…" node, not a million children (the speed is measured in benchmarks/tui_perf.py)
        await app_until(pilot, lambda: len(node.children) == PAGE + 1)
        assert label(node.children[0]).startswith("[0] = 0")
        more = node.children[-1]
        assert "more… (999,900 more)" in label(more)
        tree.select_node(more)
        await app_until(pilot, lambda: len(node.children) == 2 * PAGE + 1)
        assert label(node.children[PAGE]).startswith("[100] = 100")
        # a dict expands to its keys, and nested values expand too
        small = tree.find("small")
        small.expand()
        await app_until(pilot, lambda: len(small.children) == 2)
        inner = small.children[1]
        inner.expand()
        await app_until(pilot, lambda: len(inner.children) == 3)


async def test_watch_expressions_are_added_evaluated_and_persisted(tmp_path: Path) -> None:
    prog = write(tmp_path, "prog.py", PROGRAM)
    app = make_app(prog, {prog: [line_of(prog, "return doubled")]}, persist=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot)
        await pilot.press("w")
        await app_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press(*"doubled * 10", "enter")
        await app_until(pilot, lambda: "doubled * 10 = 60" in label(app.main.watches.root.children[0]))
        await pilot.press("w")
        await app_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press(*"missing", "enter")
        await app_until(pilot, lambda: len(app.main.watches.root.children) == 2)
        await app_until(pilot, lambda: "NameError" in label(app.main.watches.root.children[1]))
        # e evaluates in the selected frame into the output pane
        await pilot.press("e")
        await app_until(pilot, lambda: isinstance(app.screen, EvaluateScreen))
        await pilot.press(*"n + 100", "enter")
        await app_until(pilot, lambda: "» n + 100\n103" in app.main.output.text)
    # the next session of the same project starts with the same watches and breakpoints
    again = make_app(prog, persist=True)
    async with again.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, line_of(prog, "return doubled"))
        assert again.main.watches.expressions == ["doubled * 10", "missing"]


async def test_breakpoints_toggle_by_key_and_by_gutter_click(tmp_path: Path) -> None:
    prog = write(
        tmp_path,
        "loop.py",
        """\
        total = 0
        for i in range(3):
            total += i
            print("i", i)
        print("done", total)
        """,
    )
    first = line_of(prog, "total = 0")
    app = make_app(prog, {prog: [first]})
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, first)
        view = app.main.source
        view.focus()
        # F9 on the cursor line (moved with the arrow keys)
        await pilot.press("down", "down")
        assert view.cursor_line == first + 2
        await pilot.press("f9")
        bps = {bp.line for bp in app.session.breakpoint_list()}
        assert bps == {first, first + 2}
        assert first + 2 in view.markers
        # a click in the gutter of the print("done") line adds one there; a click on a marker removes it
        done = line_of(prog, 'print("done"')
        await pilot.click(view, offset=(2, 1 + done - 1 - view.scroll_offset.y))
        assert {bp.line for bp in app.session.breakpoint_list()} == {first, first + 2, done}
        await pilot.click(view, offset=(2, 1 + first - 1 - view.scroll_offset.y))
        assert {bp.line for bp in app.session.breakpoint_list()} == {first + 2, done}
        assert [str(o.prompt).split()[1] for o in app.main.breakpoints._options] == [
            f"loop.py:{first + 2}",
            f"loop.py:{done}",
        ]
        # b again on the same line removes it; continuing stops at the gutter breakpoint
        await pilot.press("b")
        assert {bp.line for bp in app.session.breakpoint_list()} == {done}
        await press_and_stop(pilot, "c", done)
        assert "i 2" in app.main.output.text


async def test_condition_edit_screen(tmp_path: Path) -> None:
    prog = write(
        tmp_path,
        "loop.py",
        """\
        for i in range(10):
            x = i * i  # here
        print("end")
        """,
    )
    here = line_of(prog, "# here")
    app = make_app(prog, {prog: [here]})
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, here)
        app.main.source.focus()
        app.main.source.cursor_line = here
        await pilot.press("B")
        await app_until(pilot, lambda: isinstance(app.screen, ConditionScreen))
        await pilot.press(*"i == 7", "enter")
        await app_until(pilot, lambda: not isinstance(app.screen, ConditionScreen))
        (bp,) = app.session.breakpoint_list()
        assert bp.condition == "i == 7"
        assert "if i == 7" in str(app.main.breakpoints.get_option_at_index(0).prompt)
        await press_and_stop(pilot, "c", here)
        await app_until(pilot, lambda: app.main.variables.find("i") is not None)
        assert "i = 7" in label(app.main.variables.find("i"))


async def test_threads_are_listed_by_name_and_library_frames_toggle(tmp_path: Path) -> None:
    prog = write(
        tmp_path,
        "threads.py",
        """\
        import threading

        gate = threading.Event()


        def worker():
            gate.wait()


        t = threading.Thread(target=worker, name="the-worker")
        t.start()
        stop_here = True  # stop
        gate.set()
        t.join()
        """,
    )
    line = line_of(prog, "# stop")
    app = make_app(prog, {prog: [line]})
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, line)
        names = [str(n.label) for n in app.main.stack.root.children]
        assert names[0].startswith("MainThread (program)  stopped")
        assert any(n.startswith("the-worker") for n in names)
        user_frames = len(app.main.stack.frames())
        await pilot.press("l")  # show library frames (threading.py's wait, run, _bootstrap...)
        await app_until(pilot, lambda: len(app.main.stack.frames()) > user_frames)
        assert any(not f.user for f in app.main.stack.frames())


async def test_loaded_sources_open_in_the_source_view(tmp_path: Path) -> None:
    prog = EXAMPLES / "shop_demo.py"
    line = line_of(prog, "total = cart.total()")
    app = make_app(prog, {prog: [line]})
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, line)
        modules = [s.module for s in app.main.sources.sources]
        assert modules[0] == "__main__"
        assert {"shop.cart", "shop.pricing"} <= set(modules)
        app.main.sources.focus()
        index = modules.index("shop.pricing")
        app.main.sources.highlighted = index
        await pilot.press("enter")
        await app_until(pilot, lambda: app.main.source.path.endswith("pricing.py"))
        assert app.main.source.border_title == "shop/pricing.py"
        assert any("def discount" in line for line in app.main.source.lines)


async def test_set_value_run_to_cursor_and_remove_from_the_breakpoints_pane(tmp_path: Path) -> None:
    prog = write(
        tmp_path,
        "calc.py",
        """\
        price = 10
        qty = 3  # stop
        total = price * qty
        print("total", total)
        print("end")
        """,
    )
    stop = line_of(prog, "# stop")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, stop)
        tree = app.main.variables
        await app_until(pilot, lambda: tree.find("price") is not None)
        # "=" on a variable asks for a new value (a Python expression) and writes it into the frame
        tree.focus()
        tree.move_cursor(tree.find("price"))
        await pilot.press("=")
        await app_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        app.screen.query_one("#prompt-input").value = ""
        await pilot.press(*"7 * 6", "enter")
        await app_until(
            pilot, lambda: tree.find("price") is not None and "price = 42" in label(tree.find("price"))
        )
        # t (or Ctrl+F10) in the source view runs to the cursor line
        app.main.source.focus()
        app.main.source.cursor_line = line_of(prog, 'print("total"')
        await press_and_stop(pilot, "t", line_of(prog, 'print("total"'))
        assert "total = 126" in label(tree.find("total"))
        # Delete in the breakpoints pane removes the breakpoint
        app.main.breakpoints.focus()
        app.main.breakpoints.highlighted = 0
        await pilot.press("delete")
        assert app.session.breakpoint_list() == []
        assert app.main.source.markers == {}


async def test_restart_while_stopped_runs_again_without_an_exit_dialog(tmp_path: Path) -> None:
    prog = write(
        tmp_path,
        "again.py",
        """\
        print("hello")
        x = 1  # stop
        """,
    )
    stop = line_of(prog, "# stop")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, stop)
        gen = app.main.stop_gen
        await pilot.press("ctrl+t")
        await app_until(pilot, lambda: app.main.stop_gen > gen + 1 and app.session.state == "stopped")
        await wait_stopped(pilot, stop)
        assert app.main.output.text.count("hello\n") == 2
        assert "[restarting]" in app.main.output.text
        assert app.screen is app.main  # no "program exited" dialog for the run that was ended to restart


async def test_a_print_loop_is_shown_in_order_and_the_ui_stays_responsive(tmp_path: Path) -> None:
    prog = write(
        tmp_path,
        "chatty.py",
        """\
        for i in range(20_000):
            print("line", i)
        print("done")  # stop
        """,
    )
    stop = line_of(prog, "# stop")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, stop, timeout=30)
        text = app.main.output.text
        assert text.startswith("line 0\nline 1\n")
        assert text.endswith("line 19998\nline 19999\n")
        assert len(app.main.output.lines) == 10_000  # the pane keeps the last 10,000 lines


async def test_expanded_variables_stay_open_across_steps_and_function_breakpoints(tmp_path: Path) -> None:
    prog = write(
        tmp_path,
        "obj.py",
        """\
        class Box:
            def __init__(self):
                self.inner = {"a": 1}


        def touch(box):
            box.inner["b"] = 2
            return box


        box = Box()  # stop
        touch(box)
        print("end")
        """,
    )
    stop = line_of(prog, "# stop")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, stop)
        await press_and_stop(pilot, "n", stop + 1)
        tree = app.main.variables
        await app_until(pilot, lambda: tree.find("box") is not None)
        tree.find("box").expand()
        await app_until(pilot, lambda: tree.find("inner") is not None)
        tree.find("inner").expand()
        await app_until(pilot, lambda: len(tree.find("inner").children) == 1)
        # a function breakpoint, added with F
        await pilot.press("F")
        await app_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press(*"touch", "enter")
        await app_until(pilot, lambda: any(bp.function == "touch" for bp in app.session.breakpoint_list()))
        assert "touch()" in str(app.main.breakpoints.get_option_at_index(1).prompt)
        await press_and_stop(pilot, "c")
        assert app.main.stack.frames()[0].name == "touch"
        # "box" stays open in the caller after stepping back out (and shows the new key)
        await press_and_stop(pilot, "r")
        await app_until(
            pilot, lambda: tree.find("inner") is not None and len(tree.find("inner").children) == 2
        )
        assert tree.find("box").is_expanded
