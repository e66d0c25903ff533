"""dapper-tui: a terminal debugger with hot reload, and an agent console whose tools reload in place."""

__version__ = "0.1.0"
