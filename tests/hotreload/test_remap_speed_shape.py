"""Line re-mapping on a big module edited at both ends: breakpoints land on the right lines (the old
difflib-based mapping took seconds here, because of the many identical lines of a big module)."""

from dapper_tui.engine.hotreload import remap_lines


def _module(version: int, extra_top: int = 0) -> str:
    lines = [f"VERSION = {version}"] + [f"# note {k}" for k in range(extra_top)] + [""]
    for i in range(700):
        lines += [f"def f{i}(x):", f"    return x + {i}", "", ""]
    lines += ["def edited(x):", f"    return x * {version}"]
    return "\n".join(lines) + "\n"


def test_remap_of_a_big_module_edited_at_both_ends():
    old, new = _module(1), _module(2, extra_top=3)
    old_lines = old.splitlines()
    body = {i + 1 for i, text in enumerate(old_lines) if text.startswith("    return x + ")}
    mapping = remap_lines(old, new, body | {1, len(old_lines)})
    new_lines = new.splitlines()
    for line in body:
        assert new_lines[mapping[line] - 1] == old_lines[line - 1]  # every unchanged line found, 3 lower
        assert mapping[line] == line + 3
    assert mapping[1] == 1  # the edited first line maps onto its replacement
    assert new_lines[mapping[len(old_lines)] - 1] == "    return x * 2"


def test_deleted_lines_map_to_none_and_reindented_lines_follow():
    old = "a = 1\nb = 2\nif a:\n    c = 3\nd = 4\n"
    new = "a = 1\nif a:\n        c = 3\nd = 4\n"
    mapping = remap_lines(old, new, [1, 2, 4, 5])
    assert mapping == {1: 1, 2: None, 4: 3, 5: 4}
