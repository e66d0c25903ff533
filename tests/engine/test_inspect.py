"""Variables, evaluate, set variable (written back into the frame), input and output."""

import sys

import pytest

PROGRAM = """
    from dataclasses import dataclass

    @dataclass
    class Point:
        x: int
        y: int

    class Slotted:
        __slots__ = ("a", "b")
        def __init__(self):
            self.a, self.b = 1, "two"

    def show():
        n = 5
        big = list(range(1_000_000))
        d = {"k": [1, 2], "p": Point(3, 4)}
        s = Slotted()
        tag = "before"
        print("n is", n, "tag is", tag)    # stop here
        return n

    show()
    """


def _stop(driver):
    prog = driver.write("prog.py", PROGRAM)
    driver.run_to(prog, "stop here")
    return prog


def _children(session, ref, **kw):
    return {v.name: v for v in session.variables(ref, **kw)}


def test_variables_expand_lazily_and_page(driver):
    _stop(driver)
    s = driver.session
    frame = s.stack()[0]
    scopes = s.scopes(frame.id)
    assert [sc.name for sc in scopes] == ["Locals", "Globals"]
    local = _children(s, scopes[0].reference)
    assert local["n"].value == "5"
    assert local["n"].reference == 0
    big = local["big"]
    assert big.indexed == 1_000_000
    assert len(big.value) < 200
    page = s.variables(big.reference, start=999_990, count=5)
    assert [v.name for v in page] == [f"[{i}]" for i in range(999_990, 999_995)]
    assert len(s.variables(big.reference)) == 100  # one page by default
    d = _children(s, local["d"].reference)
    p = _children(s, d["'p'"].reference)
    assert p["x"].value == "3"
    assert p["y"].value == "4"
    slotted = _children(s, local["s"].reference)
    assert slotted["a"].value == "1"
    assert slotted["b"].value == "'two'"
    glob = _children(s, scopes[1].reference)
    assert "show" in glob
    assert "Point" in glob


def test_evaluate_in_frame(driver):
    _stop(driver)
    assert driver.value("n * 2") == "10"
    assert driver.value("d['p'].x + 1") == "4"
    with pytest.raises(NameError):
        driver.session.evaluate("nonexistent")


@pytest.mark.parametrize("via", ["set_variable", "evaluate"])
def test_set_variable_is_written_back_to_the_frame(driver, via):
    _stop(driver)
    s = driver.session
    if via == "set_variable":
        ref = s.scopes(s.stack()[0].id)[0].reference
        assert s.set_variable(ref, "tag", "'after'").value == "'after'"
    else:
        s.evaluate("tag = 'after'")
    assert driver.value("tag") == "'after'"
    assert driver.finish().exit_code == 0
    assert "tag is after" in driver.output(), f"the running frame did not see the write on {sys.version_info}"


def test_set_variable_in_a_container(driver):
    _stop(driver)
    s = driver.session
    local = _children(s, s.scopes(s.stack()[0].id)[0].reference)
    s.set_variable(local["d"].reference, "'k'", "[9]")
    assert driver.value("d['k']") == "[9]"


def test_input_is_answered_by_the_front_end(driver):
    from dapper_tui.engine.events import InputRequested

    prog = driver.write("prog.py", "name = input('who? ')\nprint('hello', name)\n")
    driver.launch(prog)
    ev = driver.wait(InputRequested)
    assert ev.prompt == "who? "
    driver.session.send_input("ada")
    assert driver.finish().exit_code == 0
    assert "hello ada" in driver.output()
