"""Breakpoints in modules that the program imports past the engine's import hook: a meta path finder of its own
put ahead of the engine's (as pytest's assertion rewriter does) that compiles and runs the module itself,
`importlib.util.spec_from_file_location`, and `runpy.run_path`. A breakpoint set before the import stops there,
in the module's functions and in its body."""

import pytest

MOD = """
    TOP = 1                             # module line

    def work(n):
        y = n * 2                       # work line
        return y
    """

# The program's own finder, first on sys.meta_path: it compiles and execs `mod.py` itself.
FINDER = """
    import importlib.abc, importlib.util, os, sys

    HERE = os.path.dirname(os.path.abspath(__file__))

    class Loader(importlib.abc.Loader):
        def create_module(self, spec):
            return None

        def exec_module(self, module):
            with open(module.__file__) as f:
                code = compile(f.read(), module.__file__, "exec")
            exec(code, module.__dict__)

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path=None, target=None):
            if fullname != "mod":
                return None
            origin = os.path.join(HERE, "mod.py")
            return importlib.util.spec_from_file_location(fullname, origin, loader=Loader())

    sys.meta_path.insert(0, Finder())
    import mod
    print("result", mod.work(5))
    """

SPEC = """
    import importlib.util, os, sys

    origin = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mod.py")
    spec = importlib.util.spec_from_file_location("mod", origin)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["mod"] = mod
    spec.loader.exec_module(mod)
    print("result", mod.work(5))
    """

RUNPY = """
    import os, runpy

    ns = runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "mod.py"))
    print("result", ns["work"](5))
    """

PROGRAMS = {"own_finder": FINDER, "spec_from_file_location": SPEC, "runpy": RUNPY}


@pytest.mark.parametrize("kind", list(PROGRAMS))
def test_breakpoints_in_module_imported_by_a_foreign_loader(driver, kind):
    mod = driver.write("mod.py", MOD)
    prog = driver.write("prog.py", PROGRAMS[kind])
    top = driver.line_of(mod, "module line")
    line = driver.line_of(mod, "work line")
    driver.session.set_breakpoints(str(mod), [top, line])
    driver.launch(prog)
    driver.stopped()
    assert driver.top() == ("<module>", top)
    driver.session.continue_()
    driver.stopped()
    assert driver.top() == ("work", line)
    assert driver.value("n") == "5"
    assert driver.finish(clear=mod).exit_code == 0
    assert "result 10" in driver.output()


def test_function_breakpoint_set_while_running_in_own_finder_module(driver):
    """The breakpoint line is only in a function; the module body has none (its functions must still get it)."""
    mod = driver.write("mod.py", MOD)
    prog = driver.write("prog.py", FINDER)
    line = driver.line_of(mod, "work line")
    driver.run_to(prog, "work line", where=mod)
    assert driver.top() == ("work", line)
    assert driver.finish(clear=mod).exit_code == 0
    assert "result 10" in driver.output()
