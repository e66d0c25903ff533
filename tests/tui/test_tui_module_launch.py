"""`dapper-tui -m installed.package` as a user sees it: an entry stop in the package's `__main__`, its files in
Loaded sources (even those the debugger's own process had imported, as `-m rich`'s), and a breakpoint in
another installed package showing its frame, source line and locals with just-my-code on."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from dapper_tui.engine.breakpoints import BreakpointSpec
from dapper_tui.engine.launch import LaunchTarget
from dapper_tui.tui.app import DebuggerApp
from helpers import line_of
from installed_packages import forget, installed, unique_name
from tuihelpers import app_until, label, press_and_stop, wait_stopped

APP = unique_name("dapper_tuitest_app")
LIB = unique_name("dapper_tuitest_lib")
PACKAGES = {
    APP: {
        "__init__.py": "",
        "core.py": f"""\
            from {LIB} import util

            def shout(word):
                loud = util.louder(word)
                return loud + "!"
            """,
        "__main__.py": """\
            import sys
            from .core import shout

            print(shout(sys.argv[1]))
            """,
    },
    LIB: {
        "__init__.py": "",
        "util.py": """\
            def louder(word):
                big = word.upper()               # lib line
                return big
            """,
    },
}


@pytest.fixture
def site(tmp_path: Path) -> Iterator[dict[str, Path]]:
    with installed(tmp_path / "wheels", PACKAGES) as dirs:
        yield dirs
        forget(dirs)


def make_module_app(module: str, args: list[str], *, stop_on_entry: bool = False) -> DebuggerApp:
    target = LaunchTarget(module=module, args=args)
    return DebuggerApp(target, stop_on_entry=stop_on_entry, persist=False, auto_reload=False)


async def test_module_entry_sources_and_library_breakpoint(site: dict[str, Path]) -> None:
    importlib.import_module(f"{APP}.core")  # loaded before the launch, as rich is in the debugger's process
    main, core, util = site[APP] / "__main__.py", site[APP] / "core.py", site[LIB] / "util.py"
    app = make_module_app(APP, ["hey"], stop_on_entry=True)
    lib_line = line_of(util, "lib line")
    app.session.set_breakpoints(str(util), [BreakpointSpec(lib_line)])
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, 1)
        screen = app.main
        assert screen.source.path == str(main)
        assert [f.name for f in screen.stack.frames()] == ["<module>"]
        await app_until(pilot, lambda: str(core) in {s.path for s in screen.sources.sources})
        user = {s.path for s in screen.sources.sources if s.user}
        assert {str(main), str(core)} <= user
        assert str(util) not in user

        await press_and_stop(pilot, "c", lib_line)  # the breakpoint in library code
        frames = screen.stack.frames()
        assert [f.name for f in frames] == ["louder", "shout", "<module>"]
        assert screen.stack.selected_frame.name == "louder"
        assert screen.source.path == str(util)
        assert f"louder  util.py:{lib_line}" in label(screen.stack._frame_nodes[frames[0].id])
        await app_until(pilot, lambda: screen.variables.find("word") is not None)
        assert "'hey'" in label(screen.variables.find("word"))
        assert lib_line in screen.source.markers


async def test_dash_m_rich_stops_at_entry_with_its_sources() -> None:
    """rich is the debugger's own dependency, loaded long before the launch: `-m rich` still debugs it."""
    import rich

    rich_dir = Path(rich.__file__).parent
    app = make_module_app("rich", [], stop_on_entry=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_stopped(pilot, timeout=20)
        screen = app.main
        assert screen.source.path == str(rich_dir / "__main__.py")
        frames = screen.stack.frames()
        assert frames
        assert frames[0].path == str(rich_dir / "__main__.py")
        await app_until(
            pilot, lambda: str(rich_dir / "console.py") in {s.path for s in screen.sources.sources}
        )
        assert all(s.user for s in screen.sources.sources if s.path.startswith(str(rich_dir)))
