"""`dapper-tui --plain` and library files (a real pip-installed package): `b module.name:LINE` and
`b /path/in/site-packages.py:LINE` stop there, `reload` of the library module works with a warning, a save of it
without the opt-in is not reloaded and says why, and `reload json` is refused with the reason."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from installed_packages import installed_util


@pytest.fixture
def lib(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    with installed_util(tmp_path_factory.mktemp("wheels"), "dapper_plainlib") as found:
        yield found


def _program(tmp_path: Path, name: str) -> None:
    (tmp_path / "prog.py").write_text(
        f"import json\nfrom {name}.util import louder\nprint(louder('a'))\nprint(louder('b'))\n"
    )


def test_breakpoint_by_module_name_reload_and_save_of_a_library_file(terminal, tmp_path: Path, lib) -> None:
    name, util = lib
    _program(tmp_path, name)
    t = terminal("prog.py").at_entry()
    t.command(f"b {name}.nothere:2", rf"{name}\.nothere: no such file, and no loaded module of that name")
    t.command("n")
    t.send("n")  # the library is imported now
    t.prompt()
    t.command(f"b {name}.util:2", rf"Breakpoint 1 at {re.escape(str(util))}:2")
    t.command("c", r"\[Breakpoint at util\.py:2\]", r"-> big = word\.upper\(\)")

    util.write_text(util.read_text().replace('return big + "?"', 'return big + "!"'))
    t.command(
        f"reload {name}.util",
        rf"reloaded {name}\.util; changed louder",
        r"warning: library module: reloaded on request; saves of library files are not watched unless",
    )

    # a save of the library file: watched (the program is stopped in it), not reloaded, and the console says why
    util.write_text(util.read_text().replace('return big + "!"', 'return big + "#"'))
    t.expect(r"util\.py: library module: saved, not reloaded; saves of library files are not watched unless")
    t.command(
        "reload json",
        r"refused: standard library module \(json\) — reloading it would affect the debugger itself",
    )
    t.command("cl")
    t.send("c")
    t.expect(r"The program exited with code 0")
    t.expect(r"\(dapper:exited\) ")
    assert t.quit() == 0
    out = t.text
    # louder('b') ran the reloaded code, not the later save (louder('a') was stopped in it: it finishes on the
    # old code, or on the new one where edit and continue moved its frame, as on 3.11)
    assert re.search(r"A[?!]\nB!\n", out)
    assert "B#" not in out


def test_breakpoint_by_site_packages_path_set_before_the_import(terminal, tmp_path: Path, lib) -> None:
    name, util = lib
    _program(tmp_path, name)
    t = terminal("prog.py").at_entry()
    t.command(f"b {util}:2", rf"Breakpoint 1 at {re.escape(str(util))}:2")
    t.command("c", r"\[Breakpoint at util\.py:2\]")
    t.command("p word", r"'a'")
    t.send("q")
    t.close()


def test_with_reload_libraries_a_save_of_a_library_file_reloads_it(terminal, tmp_path: Path, lib) -> None:
    name, util = lib
    _program(tmp_path, name)
    t = terminal("--reload-libraries", "prog.py").at_entry()
    t.command(f"b {util}:2", r"Breakpoint 1 at")
    t.command("c", r"\[Breakpoint at util\.py:2\]")
    util.write_text(util.read_text().replace('return big + "?"', 'return big + "!"'))
    t.expect(rf"reloaded {name}\.util; changed louder")
    t.expect(r"warning: library module: reloaded; saves of library files reload them \(--reload-libraries\)")
    t.command("cl")
    t.send("c")
    t.expect(r"The program exited with code 0")
    t.expect(r"\(dapper:exited\) ")
    assert t.quit() == 0
    assert re.search(r"A[?!]\nB!\n", t.text)
