"""A tool result too long for the thread is redacted before it is capped: the preview never ends in half a
secret, and the full text kept in ``data/tool-results/`` holds no secret either. A real tool in a real capsule."""

from __future__ import annotations

import asyncio
from pathlib import Path

from capsule_helpers import final_text, make_project
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import write

SECRET = "sk-live-0123456789abcdefXYZ"
LIMIT = 20_000  # result_max_bytes; the preview is the first LIMIT - 400 bytes

TOOL = """\
import os


def dump(at: int, tail: int) -> str:
    \"\"\"A long text with the token at character ``at`` and once more at the end.\"\"\"
    token = os.environ["API_TOKEN"]
    return "x" * at + token + "y" * tail + " token again: " + token
"""


async def test_a_capped_result_is_redacted_in_its_preview_and_in_its_stored_file(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    with (root / "agent.toml").open("a") as fh:
        fh.write(f"result_max_bytes = {LIMIT}\n")
    write(root, "src/tools/dump.py", TOOL)
    write(root, ".env", f"API_TOKEN={SECRET}\n")
    at = LIMIT - 400 - len(SECRET) // 2  # the unredacted preview would end in the middle of the token
    async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
        _, events = await asyncio.wait_for(
            final_text(rt, None, f'/call dump {{"at": {at}, "tail": 50000}}'), 30
        )
    result = next(e.data for e in events if e.type == "tool_result")
    assert not result["is_error"], "the result was capped"
    assert "full_result" in result, "the result was capped"
    stored = (root / result["full_result"]).read_text(encoding="utf-8")
    assert stored == "x" * at + "[redacted]" + "y" * 50000 + " token again: [redacted]"
    thread = next((root / "data/threads").glob("*.jsonl")).read_text(encoding="utf-8")
    half = SECRET[: len(SECRET) // 2]
    places = {"preview": result["result"], "thread": thread, "stored file": stored}
    assert {place: half in text for place, text in places.items()} == {place: False for place in places}
    assert result["result"].startswith("x" * at + "[redacted]"), "the preview shows the redacted token whole"
