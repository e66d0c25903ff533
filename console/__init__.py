"""Line-mode console (prompt-toolkit) over the same engine: `dapper-tui --plain script.py`."""
