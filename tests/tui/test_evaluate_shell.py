"""`e` is a small shell in the selected frame: history with Up / Down that a new run of the app still has, Tab
completion of names and attributes, and results that wrap in a scrollable log."""

from __future__ import annotations

from pathlib import Path

from dapper_tui.tui.screens.evaluate import EvaluateScreen
from helpers import line_of, write
from tuihelpers import app_until, make_app, wait_stopped

PROGRAM = """\
class Order:
    def __init__(self):
        self.customer = "ada"
        self.total_price = 12.5
        self.total_items = 3

    def total(self):
        return self.total_price


def main():
    customer_name = "grace"
    order = Order()
    numbers = list(range(3000))
    print(customer_name, order.total(), len(numbers))  # stop


main()
"""


async def _open_shell(pilot, app) -> EvaluateScreen:
    await pilot.press("e")
    await app_until(pilot, lambda: isinstance(app.screen, EvaluateScreen), what="the evaluate shell")
    return app.screen


def _log_text(shell: EvaluateScreen) -> str:
    return "\n".join(strip.text for strip in shell.log_view.lines)


async def test_history_is_kept_across_runs_and_walked_with_up_and_down(tmp_path: Path) -> None:
    prog = write(tmp_path, "prog.py", PROGRAM)
    stop = line_of(prog, "# stop")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_stopped(pilot, stop)
        shell = await _open_shell(pilot, app)
        for entry in ("len(numbers)", "customer_name.upper()"):
            await pilot.press(*entry, "enter")
            await app_until(pilot, lambda e=entry: f"» {e}" in _log_text(shell), what=entry)
        await app_until(pilot, lambda: "'GRACE'" in _log_text(shell), what="the result")
        assert "3000" in _log_text(shell)
        await pilot.press("escape")
    again = make_app(prog, {prog: [stop]})  # a new run of the app: the history file is read again
    async with again.run_test(size=(120, 36)) as pilot:
        await wait_stopped(pilot, stop)
        shell = await _open_shell(pilot, again)
        await pilot.press(*"cust")  # a draft, kept while browsing
        await pilot.press("up")
        assert shell.input.value == "customer_name.upper()"
        await pilot.press("up")
        assert shell.input.value == "len(numbers)"
        await pilot.press("up")  # the oldest stays
        assert shell.input.value == "len(numbers)"
        await pilot.press("down", "down")
        assert shell.input.value == "cust"
        await pilot.press("up", "enter")
        await app_until(pilot, lambda: "'GRACE'" in _log_text(shell), what="the re-run entry's result")


async def test_tab_completes_names_and_attributes_in_the_selected_frame(tmp_path: Path) -> None:
    prog = write(tmp_path, "prog.py", PROGRAM)
    stop = line_of(prog, "# stop")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_stopped(pilot, stop)
        shell = await _open_shell(pilot, app)
        await pilot.press(*"cust", "tab")
        await app_until(pilot, lambda: shell.input.value == "customer_name", what="a local's name")
        shell.input.value = ""
        await pilot.press(*"order.cu", "tab")
        await app_until(pilot, lambda: shell.input.value == "order.customer", what="an attribute")
        shell.input.value = ""
        await pilot.press(*"order.to", "tab")  # three attributes start so: their common start, and the list
        await app_until(pilot, lambda: shell.input.value == "order.total", what="the common start")
        listed = str(shell.query_one("#eval-completions").render())
        assert "total_items" in listed, listed
        assert "total_price" in listed, listed
        await pilot.press(*"_p", "tab")
        await app_until(pilot, lambda: shell.input.value == "order.total_price", what="the one left")
        await pilot.press("enter")
        await app_until(pilot, lambda: "12.5" in _log_text(shell), what="its value")


async def test_a_long_result_wraps_in_a_scrollable_log(tmp_path: Path) -> None:
    prog = write(tmp_path, "prog.py", PROGRAM)
    stop = line_of(prog, "# stop")
    app = make_app(prog, {prog: [stop]})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_stopped(pilot, stop)
        shell = await _open_shell(pilot, app)
        await pilot.press(*"numbers", "enter")
        await app_until(pilot, lambda: "2999" in _log_text(shell), what="the whole list, to its last element")
        log = shell.log_view
        assert all(strip.cell_length <= log.scrollable_content_region.width for strip in log.lines)
        assert log.virtual_size.height > log.scrollable_content_region.height  # more than fits: it scrolls
        log.scroll_home(animate=False)
        await pilot.pause()
        assert log.scroll_y == 0
        log.scroll_end(animate=False)
        await pilot.pause()
        assert log.scroll_y > 0
