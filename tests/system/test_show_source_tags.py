"""源码清单的标记（静态检查，不启动内核）：显示包内源码的单元格带单元格标签 `show-source`。

敏感性测试（tests/system/test_sensitivity.py）在项目副本里不比较带这个标签的单元格：bug 改了源码，源码清单当然不同，
那不算抓住了 bug。所以两条规则缺一不可：
1. 每个调用 `show_source(...)` 的代码单元格都带 `show-source` 标签（否则 bug 会被它的源码清单“抓住”）；
2. 带标签的单元格只显示源码：每条语句是 import、`show_source(名字)` 或 `display(show_source(名字))`，名字是
   `A` 或 `A.b.c` 这样的点分名字（不是计算），存储的输出只有显示的源码（没有打印、没有报错）。否则一个结果可能
   藏在标签后面，在敏感性测试里不被比较。
"""

import ast
import functools
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from portability import notebooks_under  # noqa: E402

NOTEBOOKS = [ROOT / name for name in notebooks_under()]
TAG = "show-source"
CALLS_SHOW_SOURCE = re.compile(r"\bshow_source\s*\(")
HOW_TO_TAG = (f"在 JupyterLab 里选中该单元格，右侧 Property Inspector（齿轮图标）的 Cell Tags 里加上 {TAG}，"
              f"或在 .ipynb 中给该单元格写 \"metadata\": {{\"tags\": [\"{TAG}\"]}}（只改元数据，不必重新执行）")


def _dotted_name(node):
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _is_listing_call(node):
    """`show_source(名字)`：一个点分名字作唯一的位置参数；关键字参数只能取常量（如 `hide_checks=True`）。"""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "show_source"
            and len(node.args) == 1 and _dotted_name(node.args[0])
            and all(isinstance(k.value, ast.Constant) for k in node.keywords))


def _source(cell):
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def listing_problems(cell):
    """带 show-source 标签的单元格里不只是显示源码的地方（空列表表示它只显示源码）。"""
    source = _source(cell)
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        return [f"不是纯 Python（{err.msg}，第 {err.lineno} 行）"]
    problems = []
    for statement in tree.body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(statement, ast.Expr) and (
                _is_listing_call(statement.value)
                or (isinstance(statement.value, ast.Call) and isinstance(statement.value.func, ast.Name)
                    and statement.value.func.id == "display" and len(statement.value.args) == 1
                    and not statement.value.keywords and _is_listing_call(statement.value.args[0]))):
            continue
        problems.append(f"第 {statement.lineno} 行 `{ast.get_source_segment(source, statement)}`")
    if not any(isinstance(s, ast.Expr) for s in tree.body):
        problems.append("没有 show_source(...) 调用")
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            problems.append(f"存储的输出里有打印的文字（{output['name']}）")
        elif output["output_type"] == "error":
            problems.append(f"存储的输出里有报错（{output['ename']}）")
    return problems


@functools.lru_cache(maxsize=None)
def _cells(path):
    """(下标, 单元格)：notebook 的代码单元格；下标数全部单元格（含 Markdown），从 0 开始。"""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [(index, cell) for index, cell in enumerate(cells) if cell["cell_type"] == "code"]


def _where(path, index, cell):
    first = _source(cell).splitlines()[0] if _source(cell) else ""
    return f"{path.relative_to(ROOT)} 的第 {index} 个单元格（从 0 数，含 Markdown；id {cell.get('id')}；第一行 `{first}`）"


def test_there_are_listings_to_check():
    assert sum(TAG in _tags(cell) for path in NOTEBOOKS for _, cell in _cells(path)) >= 40


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT / "notebooks")) for p in NOTEBOOKS])
def test_every_cell_that_shows_source_is_tagged(path):
    untagged = [_where(path, index, cell) for index, cell in _cells(path)
                if CALLS_SHOW_SOURCE.search(_source(cell)) and TAG not in _tags(cell)]
    assert not untagged, (
        f"这些单元格调用 show_source(...) 却没有单元格标签 {TAG}：\n  " + "\n  ".join(untagged)
        + f"\n没有这个标签，敏感性测试会把 bug 改动的源码清单算作“抓住了 bug”。{HOW_TO_TAG}。"
        "如果单元格除了显示源码还计算或打印结果，把 show_source(...) 拆到一个单独的单元格里再加标签。")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT / "notebooks")) for p in NOTEBOOKS])
def test_tagged_cells_only_show_source(path):
    bad = [_where(path, index, cell) + "：" + "；".join(problems) for index, cell in _cells(path)
           if TAG in _tags(cell) and (problems := listing_problems(cell))]
    assert not bad, (
        f"这些带 {TAG} 标签的单元格不只是显示源码：\n  " + "\n  ".join(bad)
        + f"\n敏感性测试不比较带 {TAG} 标签的单元格，结果放在这里就没人核对。把计算、打印移到另一个（不带标签的）"
        f"单元格，这个单元格只留 import、show_source(名字) 或 display(show_source(名字))。")


@pytest.mark.parametrize("source, outputs, expected", [
    ("show_source(Adam)", [], []),
    ("from nndl.init import kaiming_normal_std\n\n# 注释\nshow_source(kaiming_normal_std)", [], []),
    ("display(show_source(L.CosineAnnealingDecay))\nshow_source(Optimizer.lr.fget)", [], []),
    ("show_source(Adam)\nprint(compare())", [], ["第 2 行 `print(compare())`"]),
    ("x = run()\nshow_source(Adam)", [], ["第 1 行 `x = run()`"]),
    ("show_source(pick(run()))", [], ["第 1 行 `show_source(pick(run()))`"]),
    ("show_source(BatchGD, hide_checks=True)", [], []),
    ("show_source(BatchGD, hide_checks=run())", [], ["第 1 行 `show_source(BatchGD, hide_checks=run())`"]),
    ("display(show_source(Adam), verdict)", [], ["第 1 行 `display(show_source(Adam), verdict)`"]),
    ("import nndl", [], ["没有 show_source(...) 调用"]),
    ("%time show_source(Adam)", [], ["不是纯 Python（invalid syntax，第 1 行）"]),
    ("show_source(Adam)", [{"output_type": "stream", "name": "stdout", "text": "True\n"}],
     ["存储的输出里有打印的文字（stdout）"]),
])
def test_listing_rule_refuses_results(source, outputs, expected):
    """规则本身能失败：藏在标签后面的计算、打印与报错都被指出。"""
    cell = {"cell_type": "code", "metadata": {"tags": [TAG]}, "source": source, "outputs": outputs}
    assert listing_problems(cell) == expected
