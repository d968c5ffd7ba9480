"""Rules every test in tests/ follows, checked statically.

`pytest.raises(SomeError)` without `match=` is satisfied by any error of that class, however it arose: with the
"2-D only" check of nndl.plot.function_values deleted, its test still passed on the ValueError the grid computation
raised further on. So every `pytest.raises` names the message it expects.
"""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def raises_without_match(source, filename="<test>"):
    """Line numbers of `pytest.raises(...)` calls (also `raises(...)` imported from pytest) without `match=`."""
    lines = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                is_raises = func.attr == "raises" and isinstance(func.value, ast.Name) and func.value.id == "pytest"
            else:
                is_raises = isinstance(func, ast.Name) and func.id == "raises"
            if is_raises and not any(k.arg == "match" for k in node.keywords):
                lines.append(node.lineno)
    return lines


def test_the_rule_sees_a_bare_raises():
    assert raises_without_match("import pytest\nwith pytest.raises(ValueError):\n    f()\n") == [2]
    assert raises_without_match("with pytest.raises((TypeError, ValueError)) as info:\n    f()\n") == [1]
    assert raises_without_match("with pytest.raises(ValueError, match='x'):\n    f()\n") == []


def test_every_pytest_raises_names_the_message_it_expects():
    bare = [f"{path.relative_to(TESTS.parent)}:{line}" for path in sorted(TESTS.rglob("*.py"))
            for line in raises_without_match(path.read_text(encoding="utf-8"), str(path))]
    assert not bare, "pytest.raises without match= (any error of the class would do): " + ", ".join(bare)
