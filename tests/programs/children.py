"""For programs that fork: wait for a child with a deadline (a hung child is killed, and reported as "hung")."""

import os
import signal
import time


def wait(pid, timeout=5.0):
    """The child's exit code, or "hung" when it has not ended within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return "hung"
