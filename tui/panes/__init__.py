"""The debugger's panes. Their shared frame (border and background) is in `panes.tcss`, which every app that
shows them loads as `CSS_PATH = PANES_CSS`."""

from pathlib import Path

PANES_CSS = Path(__file__).with_name("panes.tcss")
