"""A program that installs signal handlers and sends itself the signals (they work on the main thread only)."""

import asyncio
import os
import signal
import threading
import time

print("main thread:", threading.current_thread() is threading.main_thread())
got = []
signal.signal(signal.SIGUSR1, lambda signum, frame: got.append(signum))
os.kill(os.getpid(), signal.SIGUSR1)
deadline = time.monotonic() + 5
while not got and time.monotonic() < deadline:
    time.sleep(0.01)
print("SIGUSR1 handled:", got == [signal.SIGUSR1])


async def main():
    done = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR2, done.set)
    os.kill(os.getpid(), signal.SIGUSR2)
    await asyncio.wait_for(done.wait(), 5)
    print("add_signal_handler fired")


asyncio.run(main())
print("done")  # end
