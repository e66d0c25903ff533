"""`-m installed.package`: the launched package is the program's own code even in site-packages (entry stop,
loaded sources, stepping), and breakpoints work in any installed file, their frame shown with just-my-code on.

The packages are real: wheels pip installs into this interpreter's site-packages, uninstalled afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dapper_tui.engine.launch import LaunchTarget
from dapper_tui.engine.sources import is_user_file, user_roots
from helpers import line_of
from installed_packages import forget, installed, unique_name

APP = unique_name("dapper_mtest_app")
LIB = unique_name("dapper_mtest_lib")

APP_FILES = {
    "__init__.py": """\
        VERSION = "0.1"                  # init line
        """,
    "core.py": f"""\
        from {LIB} import util

        def shout(word):
            loud = util.louder(word)         # core line
            return loud + "!"
        """,
    "__main__.py": """\
        import sys                           # main first line
        from .core import shout

        def main(argv):
            words = []                           # main body
            for w in argv:
                words.append(shout(w))           # main loop
            print(" ".join(words))
            return 0

        sys.exit(main(sys.argv[1:]))
        """,
}
LIB_FILES = {
    "__init__.py": "",
    "util.py": """\
        def louder(word):
            big = word.upper()               # lib line
            return big
        """,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    with installed(tmp_path_factory.mktemp("wheels"), {APP: APP_FILES, LIB: LIB_FILES}) as dirs:
        yield dirs


@pytest.fixture
def pkgs(site: dict[str, Path]) -> Iterator[dict[str, Path]]:
    yield site
    forget(site)


def launch_module(driver, *args: str, **kw: object) -> None:
    driver.session.launch(LaunchTarget(module=APP, args=list(args)), **kw)


def test_installed_package_is_library_code_until_launched(pkgs):
    app, lib = pkgs[APP], pkgs[LIB]
    assert "site-packages" in str(app)
    assert not is_user_file(str(app / "core.py"))
    assert not is_user_file(str(lib / "util.py"))
    assert LaunchTarget(module=f"{APP}.core").own_code() == [str(app)]
    assert LaunchTarget(module=LIB).own_code() == [str(lib)]


def test_entry_stop_in_launched_package(driver, pkgs):
    app, lib = pkgs[APP], pkgs[LIB]
    main = app / "__main__.py"
    launch_module(driver, "hi", "there", stop_on_entry=True)
    stop = driver.stopped()
    assert stop.reason == "entry"
    [frame] = driver.session.stack()
    assert (frame.path, frame.line, frame.user) == (str(main), line_of(main, "main first line"), True)
    assert all(root.startswith(str(app)) for root in user_roots())
    assert is_user_file(str(app / "core.py"))
    assert not is_user_file(str(lib / "util.py"))

    sources = {s.path: s for s in driver.session.loaded_sources()}
    assert sources[str(main)].user
    assert sources[str(app / "__init__.py")].user
    assert str(lib / "util.py") not in sources  # not imported yet, and library code

    # stepping goes through the package's own files and over the library's
    driver.session.step_over()
    driver.stopped()
    assert driver.session.stack()[0].line == line_of(main, "from .core")
    driver.session.step_over()
    driver.stopped()
    driver.session.step_over()  # over the def
    driver.stopped()
    assert driver.top() == ("<module>", line_of(main, "sys.exit"))
    driver.session.step_in()
    driver.stopped()
    assert driver.top() == ("main", line_of(main, "main body"))
    for _ in range(2):  # the `for`, then the loop's body
        driver.session.step_in()
        driver.stopped()
    assert driver.top() == ("main", line_of(main, "main loop"))
    driver.session.step_in()
    driver.stopped()
    frames = driver.session.stack()
    assert (frames[0].path, frames[0].line) == (str(app / "core.py"), line_of(app / "core.py", "core line"))
    driver.session.step_in()  # util.louder is library code: the step goes on to shout's next line
    driver.stopped()
    assert driver.top() == ("shout", line_of(app / "core.py", "return loud"))
    assert driver.value("loud") == "'HI'"

    sources = {s.path: s for s in driver.session.loaded_sources(include_library=True)}
    assert sources[str(app / "core.py")].user
    assert not sources[str(lib / "util.py")].user
    assert str(lib / "util.py") not in {s.path for s in driver.session.loaded_sources()}
    assert driver.finish().exit_code == 0
    assert "HI! THERE!" in driver.output()

    driver.session.close()  # the next program's own code is its own again
    assert user_roots() == ()
    assert not is_user_file(str(app / "core.py"))


def test_breakpoint_in_launched_package(driver, pkgs):
    core = pkgs[APP] / "core.py"
    line = line_of(core, "core line")
    [bp] = driver.session.set_breakpoints(str(core), [line])
    assert bp.verified
    launch_module(driver, "a", "b")
    stop = driver.stopped()
    assert stop.reason == "breakpoint"
    assert stop.hit_breakpoint_ids == (bp.id,)
    frames = driver.session.stack()
    assert [(f.name, f.user) for f in frames] == [("shout", True), ("main", True), ("<module>", True)]
    assert frames[0].path == str(core)
    assert frames[0].line == line
    assert driver.value("word") == "'a'"
    driver.session.continue_()
    driver.stopped()
    assert driver.value("word") == "'b'"
    assert driver.finish(clear=core).exit_code == 0
    assert "A! B!" in driver.output()


def test_breakpoint_in_other_installed_package_shows_its_frame(driver, pkgs):
    """A breakpoint the user set in library code stops there, and its frame is shown with just-my-code on
    (the frames under it are the program's own only)."""
    util = pkgs[LIB] / "util.py"
    line = line_of(util, "lib line")
    [bp] = driver.session.set_breakpoints(str(util), [line])
    assert bp.verified
    assert bp.line == line
    assert driver.session.just_my_code
    launch_module(driver, "x")
    stop = driver.stopped()
    assert stop.reason == "breakpoint"
    assert stop.hit_breakpoint_ids == (bp.id,)
    frames = driver.session.stack()
    top = frames[0]
    assert (top.name, top.path, top.line, top.user) == ("louder", str(util), line, False)
    assert [(f.name, f.user) for f in frames[1:]] == [("shout", True), ("main", True), ("<module>", True)]
    assert driver.value("word") == "'x'"
    assert driver.session.variables(driver.session.scopes(frames[0].id)[0].reference)
    assert driver.finish().exit_code == 0
    assert "X!" in driver.output()


def test_breakpoint_in_installed_package_from_a_script(driver, pkgs):
    """Breakpoints in site-packages files stop a plain script too (its import of the library comes later)."""
    util = pkgs[LIB] / "util.py"
    prog = driver.write("prog.py", f"from {LIB}.util import louder\nprint(louder('s'))\n")
    driver.run_to(prog, "lib line", where=util)
    assert [f.name for f in driver.session.stack()] == ["louder", "<module>"]
    assert driver.finish().exit_code == 0
    assert "S" in driver.output()
