"""Model backends: ``scripted`` (default, offline), ``replay:FILE``, ``openai[:MODEL]``, ``anthropic[:MODEL]``.

Chosen by ``DAPPER_MODEL`` (wins) or ``model`` in ``agent.toml``. ``DAPPER_RECORD=FILE`` records the replies of
any backend into a replay file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dapper_tui.capsule.models.base import Message, Model, ModelError, ModelReply, ModelRequest, ToolCall
from dapper_tui.capsule.models.replay import RecordingModel, ReplayModel
from dapper_tui.capsule.models.scripted import ScriptedModel

__all__ = ["Message", "Model", "ModelError", "ModelReply", "ModelRequest", "ToolCall", "create_model"]


def create_model(spec: str, options: Mapping[str, Any], env: Mapping[str, str], root: Path) -> Model:
    kind, _, arg = spec.partition(":")
    kind = kind.strip().lower()
    model: Model
    if kind in ("", "scripted"):
        model = ScriptedModel()
    elif kind == "replay":
        path = Path(arg or str(options.get("file", "")))
        model = ReplayModel(path if path.is_absolute() else root / path)
    elif kind == "openai":
        from dapper_tui.capsule.models.openai import OpenAIModel

        model = OpenAIModel(arg, options, env)
    elif kind == "anthropic":
        from dapper_tui.capsule.models.anthropic import AnthropicModel

        model = AnthropicModel(arg, options, env)
    else:
        raise ModelError(f"unknown model {spec!r}: use scripted, replay:FILE, openai:NAME or anthropic:NAME")
    record = env.get("DAPPER_RECORD") or os.environ.get("DAPPER_RECORD")
    if record:
        model = RecordingModel(model, Path(record))
    return model
