"""Writes what a terminal program writes (colours, a progress bar redrawn with \\r, a long line, Rich) and says
what it sees of its terminal. Deterministic: the snapshot test shows its output."""

import os
import shutil
import sys

from rich.console import Console


def main() -> None:
    ttys = f"stdout={sys.stdout.isatty()} stderr={sys.stderr.isatty()} fd1={os.isatty(1)} fd2={os.isatty(2)}"
    print(f"isatty: {ttys}")
    print(f"columns: {shutil.get_terminal_size().columns}")  # as wide as the Output pane
    print("\x1b[31mred\x1b[0m \x1b[1;32mbold green\x1b[0m \x1b[30;43mblack on yellow\x1b[0m")
    for percent in range(0, 101, 10):
        bar = "#" * (percent // 10)
        print(f"\rprogress [{bar:<10}] {percent:3d}%", end="", flush=True)
    print()
    print("long: " + "".join(str(i % 10) for i in range(150)))
    Console().print("[bold magenta]rich[/] sees a terminal", highlight=False)
    print("warning: on stderr", file=sys.stderr)
    print(f"columns: {os.get_terminal_size(sys.stdout.fileno()).columns}")  # the last line


if __name__ == "__main__":
    main()
