"""A program that runs until it is stopped: it says "looping" once it is in its loop."""

import time

n = 0
while True:
    n += 1  # loop
    if n == 1:
        print("looping", flush=True)
    time.sleep(0.01)
