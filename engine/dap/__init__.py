"""The engine as a Debug Adapter Protocol server (`dapper-tui dap`)."""
