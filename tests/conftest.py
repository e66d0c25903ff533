import os
import sys

# Hot reload is the product: stale bytecode must show up in tests as it would for users, so bytecode writing
# is on in every test process (this machine sets PYTHONDONTWRITEBYTECODE=1, which hides such bugs).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False
