"""Tool schemas from type hints, docstrings as descriptions, argument validation."""

from __future__ import annotations

import enum
from typing import Annotated, Literal

import pytest
from dapper_tui.capsule.tools import ToolError, spec_for, validate_arguments


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


def search(
    query: Annotated[str, "what to look for"],
    limit: int = 10,
    mode: Literal["fast", "exact"] = "fast",
    tags: list[str] | None = None,
    weights: dict[str, float] | None = None,
    color: Color = Color.RED,
    ratio: float = 0.5,
    strict: bool = False,
) -> list[str]:
    """Search the notes.

    Longer explanation.

    Args:
        query: ignored because Annotated wins.
        limit: at most this many results.
    """
    return []


def test_schema_from_hints_and_docstring() -> None:
    spec = spec_for(search).spec
    assert spec.description == "Search the notes.\n\nLonger explanation."
    props = spec.input_schema["properties"]
    assert props["query"] == {"type": "string", "description": "what to look for"}
    assert props["limit"] == {"type": "integer", "default": 10, "description": "at most this many results."}
    assert props["mode"] == {"enum": ["fast", "exact"], "type": "string", "default": "fast"}
    assert props["tags"] == {"type": ["array", "null"], "items": {"type": "string"}, "default": None}
    assert props["weights"]["additionalProperties"] == {"type": "number"}
    assert props["color"] == {"enum": ["red", "blue"], "type": "string", "default": "red"}
    assert props["strict"] == {"type": "boolean", "default": False}
    assert spec.input_schema["required"] == ["query"]
    assert spec.input_schema["additionalProperties"] is False


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({}, "query: required"),
        ({"query": 3}, "query: expected string"),
        ({"query": "x", "limit": "3"}, "limit: expected integer"),
        ({"query": "x", "limit": True}, "limit: expected integer"),
        ({"query": "x", "mode": "slow"}, "mode: 'slow' is not one of ['fast', 'exact']"),
        ({"query": "x", "tags": ["a", 1]}, "tags[1]: expected string"),
        ({"query": "x", "weights": {"a": "heavy"}}, "weights.a: expected number"),
        ({"query": "x", "other": 1}, "unexpected argument 'other'"),
    ],
)
def test_invalid_arguments_are_named(arguments: dict[str, object], problem: str) -> None:
    problems = validate_arguments(spec_for(search).spec, arguments)
    assert any(problem in p for p in problems), problems


def test_valid_arguments_pass() -> None:
    spec = spec_for(search).spec
    assert (
        validate_arguments(spec, {"query": "x", "limit": 2, "ratio": 1, "tags": None, "weights": {"a": 2}})
        == []
    )


def test_unsupported_hint_is_a_tool_error() -> None:
    def bad(x: set[complex]) -> None:
        """Bad."""

    with pytest.raises(ToolError, match="parameter x"):
        spec_for(bad)
