"""Every row of the agent's reload table (what a save of each kind of file does: README, "Agents"), with real
files, a real watcher and real capsule processes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from capsule_helpers import ChatServer, Recorder, final_text, make_project
from dapper_tui.capsule.runtime import AgentRuntime
from helpers import write
from mcp_helpers import wheel as tinydep_wheel


async def test_identity_is_re_rendered_for_future_turns_only(tmp_path: Path) -> None:
    server = ChatServer(lambda body: {"text": "system=" + body["messages"][0]["content"]})
    try:
        root = make_project(tmp_path / "agent", model="openai:fake")
        write(root, ".env", f"OPENAI_BASE_URL={server.url}\n")
        async with AgentRuntime(root, warm_spare=False) as rt:
            rec = Recorder(rt)
            thread = rt.open_thread()
            pid = rt.surface.generation.pid  # type: ignore[union-attr]
            assert (await final_text(rt, thread, "who are you?"))[0] == "system=You are testagent."
            before = rt.store.path(thread).read_bytes()
            write(root, "src/identity.md", "You are {{name}}, renamed.\n")
            write(root, "src/system.md", "Tools: {{tools}}.\n")
            record = await rec.reload("applied", row="identity")
            if "system.md" not in record["added"]:  # the two saves may arrive as two batches
                record = await rec.reload("applied", row="identity")
            text, events = await final_text(rt, thread, "and now?")
            assert text == "system=You are testagent, renamed.\n\nTools: version, slow, gated, count."
            assert rt.surface.generation.pid == pid, "identity changes do not replace the capsule"  # type: ignore[union-attr]
            assert {e.revision for e in events if e.type != "reload"} == {record["counters"]["revision"]}
            # history is not rewritten: the old reply is still there, byte for byte
            assert rt.store.path(thread).read_bytes().startswith(before)
    finally:
        server.close()


async def test_env_change_reloads_environment_and_replaces_capsule_without_leaking(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    write(
        root,
        "src/tools/envtool.py",
        """\
        import hashlib
        import os


        def env_hash(name: str) -> str:
            return hashlib.sha256(os.environ.get(name, "").encode()).hexdigest()[:8]


        def env_raw(name: str) -> str:
            return os.environ.get(name, "")
        """,
    )
    write(root, ".env", "TOKEN=first-secret-value\nPLAIN=same\n")

    def h(value: str) -> str:
        return hashlib.sha256(value.encode()).hexdigest()[:8]

    async with AgentRuntime(root, warm_spare=False) as rt:
        rec = Recorder(rt)
        thread = rt.open_thread()
        assert (await final_text(rt, thread, '/call env_hash {"name": "TOKEN"}'))[
            0
        ] == f"env_hash: {h('first-secret-value')}"
        old_pid = rt.surface.generation.pid  # type: ignore[union-attr]
        write(root, ".env", "TOKEN=second-secret-value\nPLAIN=same\n")
        record = await rec.reload("applied", rows=["env"])
        assert record["detail"]["env_keys_changed"] == ["TOKEN"]
        assert rt.surface.generation.pid != old_pid  # type: ignore[union-attr]
        assert (await final_text(rt, thread, '/call env_hash {"name": "TOKEN"}'))[
            0
        ] == f"env_hash: {h('second-secret-value')}"
        raw = (await final_text(rt, thread, '/call env_raw {"name": "TOKEN"}'))[0]
        assert raw == "env_raw: [redacted]"
    written = b"".join(p.read_bytes() for p in (root / "data").rglob("*") if p.is_file())
    assert b"first-secret-value" not in written
    assert b"second-secret-value" not in written


async def test_requirements_install_into_venv_then_replace_and_failure_keeps_old(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    wheel = tinydep_wheel(tmp_path / "wheels", "tinydep", "from-wheel")
    write(
        root,
        "src/tools/deps.py",
        """\
        import sys


        def dep() -> str:
            import tinydep

            return tinydep.VALUE + " " + sys.prefix
        """,
    )
    async with AgentRuntime(root, warm_spare=False) as rt:
        rec = Recorder(rt)
        text, _ = await final_text(rt, None, "/call dep")
        assert "No module named 'tinydep'" in text
        write(root, "requirements.txt", f"--no-index\n{wheel}\n")
        record = await rec.reload("applied", rows=["requirements"], timeout=60)
        assert "requirements installed" in record["message"]
        text, _ = await final_text(rt, None, "/call dep")
        assert text == f"dep: from-wheel {root / '.venv'}"
        good_gen = rt.surface.generation_number
        write(root, "requirements.txt", f"--no-index\n{wheel}\nno-such-package-anywhere==9.9\n")
        failed = await rec.reload("failed", stage="install", timeout=60)
        assert "no-such-package-anywhere" in failed["message"]
        assert rt.surface.generation_number == good_gen
        text, _ = await final_text(rt, None, "/call dep")
        assert text == f"dep: from-wheel {root / '.venv'}"
    # a restart with the requirements that are installed does not install again
    write(root, "requirements.txt", f"--no-index\n{wheel}\n")
    async with AgentRuntime(root, warm_spare=False, watch=False) as rt:
        rec = Recorder(rt)
        assert rt.manager is not None
        assert rt.manager._last_record.detail["rows"] == ["tools"]
        text, _ = await final_text(rt, None, "/call dep")
        assert text == f"dep: from-wheel {root / '.venv'}"


async def test_prompts_scripts_and_wiring_rows(tmp_path: Path) -> None:
    root = make_project(tmp_path / "agent")
    write(root, "src/scripts/hello.py", "print('one')\n")
    async with AgentRuntime(root, warm_spare=False) as rt:
        rec = Recorder(rt)
        gen = rt.surface.generation_number
        # prompts: metadata rescanned
        write(
            root,
            "src/prompts/review.md",
            "---\nname: review\ndescription: Review a file\narguments: [path]\n---\nReview {{path}}.\n",
        )
        record = await rec.reload("applied", row="prompts")
        assert record["added"] == ["review"]
        prompt = next(p for p in rt.prompts() if p.name == "review")
        assert (prompt.description, prompt.arguments, prompt.render(path="a.py")) == (
            "Review a file",
            ["path"],
            "Review a.py.\n",
        )
        # scripts: source updated for future invocations, same capsule
        assert (await final_text(rt, None, '/call run_script {"name": "hello.py"}'))[0] == "run_script: one"
        write(root, "src/scripts/hello.py", "print('two')\n")
        record = await rec.reload("applied", row="scripts")
        assert record["changed"] == ["hello.py"]
        assert (await final_text(rt, None, '/call run_script {"name": "hello.py"}'))[0] == "run_script: two"
        # agent.toml and other wiring: restart required, nothing applied
        revision = rt.revision
        write(root, "agent.toml", (root / "agent.toml").read_text().replace("testagent", "renamed"))
        record = await rec.reload("restart-required")
        assert record["path"].endswith("agent.toml")
        write(root, "src/wiring.py", "ROUTES = []\n")
        record = await rec.reload("restart-required")
        assert record["path"].endswith("wiring.py")
        assert rt.revision == revision
        assert rt.surface.generation_number == gen
        assert rt.config.name == "testagent"
        # files outside every row are not the agent's business (not logged)
        write(root, "README.md", "notes\n")
        write(root, "data/scratch.txt", "x\n")
        await final_text(rt, None, "sync")
        assert [r["outcome"] for r in rec.reloads()].count("restart-required") == 2
        assert not any(
            r["path"].endswith(("README.md", "scratch.txt"))
            for r in rt.coordinator.log
            for r in [r.to_dict()]
        )


async def test_same_size_save_in_the_same_second_is_not_served_from_stale_bytecode(tmp_path: Path) -> None:
    assert "PYTHONDONTWRITEBYTECODE" not in os.environ
    root = make_project(tmp_path / "agent")
    tool = write(root, "src/tools/which.py", "def which() -> str:\n    return 'AAAA'\n")
    # a user's python imported the tool file, leaving bytecode that matches its mtime and size
    subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import which", str(tool.parent)],
        check=True,
    )
    assert list((tool.parent / "__pycache__").glob("which.*.pyc"))
    stat = tool.stat()
    async with AgentRuntime(root, warm_spare=False) as rt:
        rec = Recorder(rt)
        assert (await final_text(rt, None, "/call which"))[0] == "which: AAAA"
        tool.write_text("def which() -> str:\n    return 'BBBB'\n")
        os.utime(tool, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime
        await rec.reload("applied", rows=["tools"])
        assert (await final_text(rt, None, "/call which"))[0] == "which: BBBB"


async def test_a_save_through_a_temp_file_and_rename_names_the_tool_file(tmp_path: Path) -> None:
    """`sed -i` and many editors write a temp file beside the tool (no suffix) and rename it over the tool:
    the reload is the tool file's, and the temp name never shows in the thread or the reload log."""
    root = make_project(tmp_path / "agent")
    tool = root / "src" / "tools" / "t.py"
    async with AgentRuntime(root, warm_spare=False) as rt:
        rec = Recorder(rt)
        temp = tool.parent / "sedAb12Cd"
        temp.write_text(tool.read_text().replace('VERSION = "v1"', 'VERSION = "v2"'))
        os.replace(temp, tool)
        record = await rec.reload("applied")
        assert str(record["path"]).endswith("t.py")
        await final_text(rt, None, "sync")
        paths = [str(r.to_dict()["path"]) for r in rt.coordinator.log]
        assert not [p for p in paths if "sedAb12Cd" in p]


async def test_a_tools_folder_moved_in_whole_is_a_tools_reload(tmp_path: Path) -> None:
    """`mv`, `cp -r` or a checkout brings a folder in at once: no event comes for its files, only the folder's."""
    root = make_project(tmp_path / "agent")
    outside = tmp_path / "extra"
    write(
        outside,
        "more.py",
        'def shout(text: str) -> str:\n    """Upper-case TEXT."""\n    return text.upper()\n',
    )
    async with AgentRuntime(root, warm_spare=False) as rt:
        rec = Recorder(rt)
        os.rename(outside, root / "src" / "tools" / "extra")
        await rec.reload("applied")
        assert (await final_text(rt, None, '/call shout {"text": "hi"}'))[0] == "shout: HI"
