"""`python -m dapper_tui ...` is the `dapper-tui` command."""

from dapper_tui.main import main

if __name__ == "__main__":
    raise SystemExit(main())
