"""The `--plain` console's command table: each command's usage and help line, its aliases, and the commands an
empty line runs again (as in pdb). `PlainConsole.execute` dispatches a command `x` to its method `cmd_x`."""

from __future__ import annotations

HELP: dict[str, tuple[str, str]] = {
    "b": ("b [file|module:]line [, cond] | b func", "set a breakpoint (no argument: list them)"),
    "cl": ("cl [n | file:line]", "clear a breakpoint by number or place, or all of them"),
    "c": ("c", "continue (start the program if it has not started)"),
    "n": ("n", "next line, stepping over calls"),
    "s": ("s", "step into a call"),
    "r": ("r", "run until the current function returns"),
    "unt": ("unt line", "continue until a line of the current file"),
    "w": ("w | bt", "show the stack"),
    "u": ("u [n]", "move up the stack (to the caller)"),
    "d": ("d [n]", "move down the stack"),
    "p": ("p expr", "print an expression"),
    "pp": ("pp expr", "pretty-print an expression"),
    "l": ("l [first[, last]]", "list source around the current line (again: the next lines)"),
    "ll": ("ll", "list the whole current function"),
    "a": ("a", "show the arguments of the current function"),
    "!": ("!stmt", "run a Python statement in the current frame (any unknown command does too)"),
    "display": ("display [expr]", "show expr at every stop (no argument: list displays)"),
    "undisplay": ("undisplay [expr]", "remove a display (no argument: all)"),
    "threads": ("threads", "list the program's threads"),
    "reload": ("reload [file]", "hot-reload a file (default: the current one); saving it does too"),
    "restart": ("restart", "run the program again from the start"),
    "rf": ("rf", "restart frame: run the selected frame's function again from its first line (in new code)"),
    "pause": ("pause", "stop the running program (Ctrl-C does this too)"),
    "q": ("q", "quit (ends the program)"),
    "help": ("help [command]", "this list"),
}
ALIASES = {
    "break": "b",
    "clear": "cl",
    "cont": "c",
    "continue": "c",
    "next": "n",
    "step": "s",
    "return": "r",
    "until": "unt",
    "restart_frame": "rf",
    "where": "w",
    "bt": "w",
    "up": "u",
    "down": "d",
    "list": "l",
    "longlist": "ll",
    "args": "a",
    "quit": "q",
    "exit": "q",
    "h": "help",
    "run": "restart",
}
REPEATABLE = {"n", "s", "r", "c", "u", "d", "l"}  # an empty line runs these again


def command_name(word: str) -> str:
    """The command `word` names (an alias gives its command; anything else is itself)."""
    return ALIASES.get(word, word)


def help_text(topic: str = "") -> str | None:
    """The help for one command (None: there is no such command), or the whole list without a topic."""
    if topic:
        name = command_name(topic)
        if name not in HELP:
            return None
        usage, text = HELP[name]
        return f"{usage}\n    {text}"
    width = max(len(u) for u, _ in HELP.values())
    return "\n".join(f"  {usage.ljust(width)}  {text}" for usage, text in HELP.values())
