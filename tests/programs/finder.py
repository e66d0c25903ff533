"""A program with its own `sys.meta_path` finder (importlib runs it holding its global import lock), which then
imports lazy_helper (tests/programs/lazy_helper.py, copied beside it)."""

import sys


class Finder:
    def find_spec(self, name, path, target=None):
        asked = name  # finder line  # noqa: F841
        return None


sys.meta_path.insert(0, Finder())
import lazy_helper  # import line  # noqa: E402

print("done", lazy_helper.VALUE)
