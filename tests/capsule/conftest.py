"""Fixtures for the agent capsule tests (helpers live in capsule_helpers.py, a unique module name)."""

from capsule_helpers import bytecode_on, project, runtime

__all__ = ["bytecode_on", "project", "runtime"]
