"""The key table: one place for the bindings, the footer, the help screen and the command palette.

VS Code habits (F5, F10, F11, Shift+F11, F9) and pudb habits (c, n, s, r, b, u, d) both work. Shift+F11 arrives
as F23 in xterm-like terminals; Ctrl+Alt+R arrives as Ctrl+R where the terminal sends Alt as an ESC prefix.
A key with a `pane` is bound in that pane only (the footer shows it while the pane has focus); the palette still
has it, acting on that pane's selection.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Key:
    keys: str  # Textual key names, comma separated; the first one is shown in the footer
    action: str
    description: str
    help: str
    show: bool = True
    display: str | None = None  # how the footer and the help screen spell the keys
    palette: bool = True
    pane: str | None = None  # bound only in this pane (its name in the help screen); None: everywhere
    footer: str | None = (
        None  # a shorter spelling for the footer (it must fit 100 columns); default `display`
    )


CALL_STACK = "Call stack"

RESTART_FRAME = Key(
    "a",
    "restart_frame",
    "Restart frame",
    "Restart the selected frame: run it again from its first line",
    display="a",
    pane=CALL_STACK,
)

KEYS: tuple[Key, ...] = (
    Key(
        "f5,c",
        "continue",
        "Continue",
        "Run until the next breakpoint or the end",
        display="F5 / c",
        footer="F5",
    ),
    Key("f10,n", "step_over", "Over", "Step over: run the current line", display="F10 / n", footer="F10"),
    Key(
        "f11,s", "step_in", "Into", "Step into the call on the current line", display="F11 / s", footer="F11"
    ),
    Key(
        "shift+f11,f23,r",
        "step_out",
        "Out",
        "Step out: run until the current function returns",
        display="Shift+F11 / r",
        footer="⇧F11",
    ),
    Key(
        "f6,p",
        "pause",
        "Pause",
        "Pause the running program (the status line says so while it runs)",
        show=False,  # the footer keeps to what fits 100 columns
        display="F6 / p",
    ),
    Key(
        "ctrl+c",
        "interrupt",
        "Interrupt",
        "Pause the running program (when stopped: copy the selection)",
        show=False,
        display="Ctrl+C",
        palette=False,
    ),
    Key(
        "f9,b",
        "toggle_breakpoint",
        "Break",
        "Toggle a breakpoint on the cursor line",
        display="F9 / b",
        footer="F9",
    ),
    Key(
        "B",
        "edit_condition",
        "Condition",
        "Edit the condition, hit count or log message of the breakpoint on the cursor line",
        show=False,
        display="B",
    ),
    Key(
        "F",
        "add_function_breakpoint",
        "Function break",
        "Add a function breakpoint (name, Class.method or module.name)",
        show=False,
        display="F",
    ),
    Key(
        "m",
        "open_source",
        "Open",
        "Open a loaded module or a file by name or path (library code too), to set breakpoints in it",
        show=False,
        display="m",
    ),
    Key("R", "hot_reload", "Reload", "Hot-reload the file shown in the source view", display="R"),
    Key(
        "slash",
        "search_source",
        "Search",
        "Search in the file shown in the source view (n / N: next / previous match there)",
        show=False,
        display="/",
    ),
    Key(
        "ctrl+alt+r,ctrl+r",
        "hot_reload",
        "Reload",
        "Hot-reload the file shown in the source view (as R does)",
        show=False,
        display="Ctrl+Alt+R / Ctrl+R",
        palette=False,
    ),
    Key("e", "evaluate", "Eval", "Evaluate an expression in the selected frame", display="e"),
    Key(
        "w", "add_watch", "Watch", "Add a watch expression", show=False, display="w"
    ),  # the pane says "w: add"
    Key("u", "frame_up", "Up", "Select the caller's frame", show=False, display="u"),
    Key("d", "frame_down", "Down", "Select the callee's frame", show=False, display="d"),
    RESTART_FRAME,
    Key("o", "open_old_code", "Old code", "Show the source an old-code frame is running", show=False),
    Key(
        "l",
        "toggle_library",
        "Library",
        "Show or hide library frames in the call stack",
        show=False,
        display="l",
    ),
    Key("x", "toggle_raised", "Raised", "Also stop on raised exceptions (not only uncaught)", show=False),
    Key("z", "toggle_maximize", "Zoom", "Maximize the focused pane, or restore the layout", show=False),
    Key("O", "toggle_output", "Output", "The program's output full-screen, or the layout back", show=False),
    Key(
        "left_square_bracket",
        "narrow_sidebars",
        "Code+",
        "Narrower sidebars, more room for the source (or drag a splitter ┊)",
        display="[",
    ),
    Key(
        "right_square_bracket",
        "widen_sidebars",
        "Wider sidebars",
        "Wider sidebars (or drag a splitter ┊)",
        show=False,
        display="]",
    ),
    Key("ctrl+t", "restart", "Restart", "Restart the program", show=False, display="Ctrl+T"),
    Key("?", "help", "Help", "Show every key", display="?"),
    Key("q", "quit_debugger", "Quit", "Quit (asks first)", display="q"),
    Key(
        "ctrl+q",
        "quit_debugger",
        "Quit",
        "Quit (asks first, as q does)",
        show=False,
        display="Ctrl+Q",
        palette=False,
    ),
)

# Keys that belong to one pane, by pane (shown in the help screen; bound in the pane itself): (keys, what).
PANE_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "Source view": (
        ("↑ ↓ PgUp PgDn Home End", "Move the cursor line"),
        ("click in the gutter", "Toggle a breakpoint on that line"),
        ("Enter / Ctrl+F10 / t", "Run to the cursor line (Enter: once the cursor was moved there)"),
        ("/", "Search in the file (smart case)"),
        ("n / N", "Next / previous match while a search is on (Esc ends it; else n steps over)"),
        ("g / :", "Go to a line"),
        ("j", "Jump: the program goes on from the cursor line (set next statement)"),
        ("E", "Open the file at the cursor line in $EDITOR"),
    ),
    CALL_STACK: (("Enter / click", "Select a frame: its source, variables and watches"),),
    "Loaded sources": (("Enter / click", "Show the file in the source view"),),
    "Variables": (
        ("Enter / click", "Expand; on 'more…' load the next page"),
        ("=", "Set the value of the selected variable"),
        ("v", "Show the whole value of the selected variable (scrollable)"),
    ),
    "Evaluate (e)": (
        ("↑ ↓ / Tab / Esc", "History (kept across runs) / complete a name or attribute / close"),
    ),
    "Watches": (("Delete", "Remove the selected watch"),),
    "Breakpoints": (
        ("Enter", "Show the breakpoint in the source view"),
        ("Delete", "Remove the breakpoint"),
        ("B", "Edit condition / hit count / log message"),
    ),
    "Reload log": (
        ("↑ ↓", "Select a reload: its details show below"),
        ("a", "Restart the frame the selected reload left on its old code"),
    ),
    "Anywhere": (
        ("Tab / Shift+Tab", "Move between panes"),
        ("Ctrl+P", "Command palette"),
    ),
}
