"""A save made before the watcher listens is applied once it does.

The watcher starts after the program does (the app paints first; `pytest --dapper` attaches at the first
failure). A user who sees the stop and saves at once must not have that save ignored: it was, and only a second
save reloaded the file.
"""

from helpers import edit

PROGRAM = """
import pricing
print("before", pricing.price(2))  # stop
print("after", pricing.price(2))
"""

PRICING = """
RATE = 3


def price(n):
    return n * RATE
"""


def test_a_file_saved_before_the_watcher_started_is_reloaded_when_it_starts(driver):
    prog = driver.write("prog.py", PROGRAM)
    pricing = driver.write("pricing.py", PRICING)
    untouched = driver.write("untouched.py", "X = 1\n")
    driver.run_to(prog, "# stop")
    edit(pricing, "return n * RATE", "return n * RATE * 10")  # saved while nothing watches
    with driver.saves() as saves:
        record = saves.next()
        assert (record.outcome, record.module) == ("applied", "pricing")
        assert driver.finish().exit_code == 0
    out = driver.output()
    assert "before 6" in out
    assert "after 60" in out
    assert untouched.read_text() == "X = 1\n"
