import os
import sys
from pathlib import Path

import pytest

# Hot reload is the product: stale bytecode must show up in tests as it would for users, so bytecode writing
# is on in every test process (this machine sets PYTHONDONTWRITEBYTECODE=1, which hides such bugs).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

# The tiers: `python -m pytest -m "not slow"` is the fast loop (the engine, hot reload, frame moves, the DAP
# server and the line console: about a minute on 2 cores). Everything that drives the full-screen app, a real
# terminal or an agent capsule is slow as a whole folder; elsewhere a test is marked slow by hand when it takes
# more than about 10 s on one core. The full suite (CI's command) runs both.
_SLOW_FOLDERS = {"tui", "tui_agent", "e2e", "capsule"}
_TESTS = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        try:
            folder = item.path.relative_to(_TESTS).parts[0]
        except ValueError:
            continue
        if folder in _SLOW_FOLDERS:
            item.add_marker(pytest.mark.slow)


# Figures: a test that measures something (the reload soak, the agent chaos test) records them with
# `record_property(name, value)`; they are printed at the end of the run, also under xdist and without -s, so CI's
# log shows them.
_FIGURES: list[tuple[str, list[tuple[str, object]]]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.user_properties:
        _FIGURES.append((report.nodeid, list(report.user_properties)))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _FIGURES:
        return
    terminalreporter.section("figures")
    for nodeid, props in _FIGURES:
        terminalreporter.write_line(nodeid)
        terminalreporter.write_line("    " + ", ".join(f"{name} = {value}" for name, value in props))
