"""A step updates the variables and call stack panes in place: new values show, what the user opened stays
open, a variable that appears or disappears is shown as such, and the pane stays scrolled where the user left it.
"""

from __future__ import annotations

from pathlib import Path

from helpers import line_of, write
from tuihelpers import app_until, label, make_app, press_and_stop, wait_stopped

PROGRAM = """\
def main():
    box = {"n": 0, "items": [0]}
    other = [10, 20]
    __LOCALS__
    for i in range(3):
        box["n"] = i + 100  # loop
        box["items"].append(i)
    fresh = "new"
    print(box, other, fresh)  # end


main()
"""


def program(tmp_path: Path, locals_count: int = 0) -> Path:
    filler = "\n    ".join(f"w{n:02d} = {n}" for n in range(locals_count)) or "pass"
    return write(tmp_path, "prog.py", PROGRAM.replace("__LOCALS__", filler))


def children(node: object) -> list[str]:
    return [label(c) for c in node.children]  # type: ignore[attr-defined]


async def test_a_step_shows_new_values_in_opened_containers_and_keeps_them_open(tmp_path: Path) -> None:
    prog = program(tmp_path)
    loop = line_of(prog, "# loop")
    app = make_app(prog, {prog: [loop]})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_stopped(pilot, loop)
        variables = app.main.variables
        await app_until(pilot, lambda: variables.find("box") is not None, what="the locals")
        variables.find("box").expand()
        await app_until(pilot, lambda: variables.find("'items'") is not None, what="box's items")
        variables.find("'items'").expand()
        await app_until(pilot, lambda: variables.find("'items'").children, what="the items")
        variables.find("other").expand()  # opened, then closed: its children are stale after a step
        await app_until(pilot, lambda: variables.find("other").children, what="other's items")
        variables.find("other").collapse()
        app.main.source.focus()

        await press_and_stop(pilot, "f10")  # box["n"] = 100
        await press_and_stop(pilot, "f10")  # items.append(0)
        await press_and_stop(pilot, "f10", loop)  # the for line, then the loop line again
        await press_and_stop(pilot, "f10")  # box["n"] = 101
        await app_until(
            pilot, lambda: "'n' = 101" in " ".join(children(variables.find("box"))), what="n = 101"
        )
        box, items = variables.find("box"), variables.find("'items'")
        assert box.is_expanded
        assert items.is_expanded
        assert label(items).startswith("'items' [2] = [0, 0]"), label(items)
        assert [t.split(" = ")[1].split()[0] for t in children(items)] == ["0", "0"]
        assert label(variables.find("i")).startswith("i = 1")

        other = variables.find("other")
        assert not other.is_expanded
        other.expand()
        await app_until(pilot, lambda: len(other.children) == 2, what="other's items again")
        assert children(other)[0].startswith("[0] = 10")


async def test_a_variable_that_appears_is_shown_after_the_step(tmp_path: Path) -> None:
    prog = program(tmp_path)
    end = line_of(prog, "# end")
    fresh_line = end - 1
    app = make_app(prog, {prog: [fresh_line]})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_stopped(pilot, fresh_line)
        variables = app.main.variables
        await app_until(pilot, lambda: variables.find("box") is not None, what="the locals")
        assert variables.find("fresh") is None
        await press_and_stop(pilot, "f10", end)
        await app_until(pilot, lambda: variables.find("fresh") is not None, what="fresh")
        assert label(variables.find("fresh")).startswith("fresh = 'new'")
        stack = app.main.stack
        assert any(f"prog.py:{end}" in label(n) for n in stack.root.children[0].children)


async def test_the_variables_pane_stays_scrolled_where_the_user_left_it(tmp_path: Path) -> None:
    prog = program(tmp_path, locals_count=40)
    loop = line_of(prog, "# loop")
    app = make_app(prog, {prog: [loop]})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_stopped(pilot, loop)
        variables = app.main.variables
        await app_until(pilot, lambda: variables.find("w39") is not None, what="the locals")
        variables.focus()
        variables.move_cursor(variables.find("w30"))
        await app_until(pilot, lambda: variables.scroll_offset.y > 0, what="the pane scrolled down")
        top = variables.scroll_offset.y
        app.main.source.focus()
        for _ in range(2):
            await press_and_stop(pilot, "f10")
        await press_and_stop(pilot, "f10", loop)
        await pilot.pause()
        assert variables.scroll_offset.y == top
        assert label(variables.cursor_node).startswith("w30 = 30")
