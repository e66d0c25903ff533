"""The programs the entry tests run under `python` and `pytest --dapper`, with a terminal (tmux) and without
(a pipe): one that calls `breakpoint()`, one that calls `dapper_tui.post_mortem()`, and a test file whose first
test fails until `calc.py` is fixed."""

from __future__ import annotations

# breakpoint() on line 8 (the caller's line shown at the stop); line 2 is where a test sets a breakpoint
PROG = """\
def later(n):
    total = n * 2  # LATER
    return total


def main():
    x = 41
    breakpoint()  # STOP
    print("after stop", x + 1)
    print("later gave", later(5))
    print("done")


main()
"""

# post_mortem() on the ZeroDivisionError raised at line 3, in divide(1, 0); then the program goes on
POST_MORTEM = (
    "import dapper_tui\n"
    "def divide(a, b):\n"
    "    return a / b  # RAISES\n"
    "try:\n"
    "    divide(1, 0)\n"
    "except ZeroDivisionError:\n"
    "    dapper_tui.post_mortem()\n"
    "print('went on')\n"
)

CALC = "def double(n):\n    return n * 3  # BUG\n"
CALC_FIXED = CALC.replace("n * 3  # BUG", "n * 2  # FIXED")
# test_double fails at line 6 (assert 6 == 4) until calc.py is fixed; test_other passes either way
TESTS = (
    "from calc import double\n\n\n"
    "def test_double():\n    value = double(2)\n    assert value == 4\n\n\n"
    "def test_other():\n    assert double(0) == 0\n"
)
