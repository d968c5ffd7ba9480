"""敏感性测试：证明 nbval 比较的存储输出确实能抓住真实的回归。

tests/sensitivity_bugs.py 列出维护者可能提交的“看似合理的 bug”（偏差修正差一步、衰减率与其补数互换、梯度系数
写错、数据缩放到别的范围、书中的学习率被改动……）。本测试对每个 bug：

1. 把项目复制到临时目录（不含 .venv、_build、.git；data/ 用符号链接），只在副本里改一处源码；
2. 用副本自己的 nndl（内核启动时 PYTHONPATH 以副本开头，内核由同一个 Python 以 --nbval-current-env 启动），
   以 quick profile 对该 bug 列出的每个 notebook 运行 nbval（第一个不符的单元格就停，省时间）；
3. 断言每个 notebook 的 nbval 都失败，并记下是哪个单元格抓住了它（notebook、单元格下标、第一行、是结果还是源码清单；
   结束时打印成一张表）。

副本里带单元格标签 `show-source` 的单元格（只显示包内源码，tests/system/test_show_source_tags.py 保证每个调用
`show_source(...)` 的单元格都带它、带它的单元格只显示源码）不参与比较：bug 改了源码，源码清单当然不同，但要证明的是
页面上的结论（数值、排序、与 Paddle 的对照、书中的设置）能抓住它。一个 bug 若只被源码清单抓住，测试失败。

另有两项对照：副本里的内核导入的确实是副本的 nndl（而不是原项目的可编辑安装）；notebooks/ 下的每个 notebook 在未修改的
副本里（同样的设置、同一批 pytest 进程）整个通过——否则副本特有的问题会让每个 bug 都显得被“抓住”。make test 把后者
单独作为一部分运行（`-k test_unmodified_copy_passes`，NNDL_SENSITIVITY_JOBS=1），它就是 nbval 在本机上的那一遍：
对照不多花时间。
全部 notebook 由 NNDL_SENSITIVITY_JOBS（默认 2）个 pytest 进程当作队列分着跑（tests/nbval_worklist.py：
每个 pytest 进程启动一次 nbval 约 2.5 核·秒，每个 notebook 一个进程的话 40 多个就是 100 多核·秒）。
`-k` 只选几个 bug 时只运行它们（以及选中的对照）。

怎样证明一个新的检查能失败，见 CONTRIBUTING.md。
"""

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared helpers
sys.path.insert(0, str(ROOT / "tools"))
from nbval_worklist import run_notebooks  # noqa: E402
from portability import notebooks_under  # noqa: E402
from sensitivity_bugs import BUGS  # noqa: E402
from test_show_source_tags import TAG as LISTING_TAG  # noqa: E402

JOBS = os.environ.get("NNDL_SENSITIVITY_JOBS", "2")
if not JOBS.isdigit() or int(JOBS) < 1:
    raise ValueError(f"NNDL_SENSITIVITY_JOBS must be a whole number of processes, at least 1; got {JOBS!r}")
JOBS = int(JOBS)
IGNORED = {".venv", "_build", ".git", "runs", ".pytest_cache", "__pycache__", ".ipynb_checkpoints", "data"}


def make_copy(parent, name):
    """项目的一个副本：源码、notebook 与配置，data/ 是指向原项目的符号链接（只读使用）。"""
    copy = Path(parent) / name
    shutil.copytree(ROOT, copy, ignore=lambda d, names: [n for n in names if n in IGNORED or n.endswith(".egg-info")])
    (copy / "data").symlink_to(ROOT / "data", target_is_directory=True)
    ignore_source_listings(copy)
    return copy


def is_source_listing(cell):
    """带单元格标签 show-source 的单元格只显示包内源码（tests/system/test_show_source_tags.py 保证这一点，
    也保证每个调用 show_source 的单元格都带这个标签）。"""
    return cell["cell_type"] == "code" and LISTING_TAG in cell.get("metadata", {}).get("tags", [])


def ignore_source_listings(copy):
    """副本里不比较源码清单：bug 改了源码，显示源码的单元格当然不同，那不算“抓住”了它。
    要证明的是页面上的结论（数值、排序、与 Paddle 的对照）能抓住 bug。"""
    for path in (copy / name for name in notebooks_under(copy)):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            if is_source_listing(cell):
                tags = cell["metadata"]["tags"]
                if "nbval-ignore-output" not in tags:
                    tags.append("nbval-ignore-output")
        path.write_text(json.dumps(notebook, ensure_ascii=False, indent=1), encoding="utf-8")


def apply_bug(copy, bug):
    path = copy / bug.path
    text = path.read_text(encoding="utf-8")
    if text.count(bug.old) != 1:
        raise AssertionError(f"{bug.name}: {bug.path} 中应恰好有一处 {bug.old!r}，实际 {text.count(bug.old)} 处"
                             "（源码改了？请更新 tests/sensitivity_bugs.py）")
    path.write_text(text.replace(bug.old, bug.new), encoding="utf-8")


def test_bug_list_is_well_formed():
    names = [bug.name for bug in BUGS]
    assert len(names) == len(set(names)), "bug 的名字必须互不相同"
    assert len(BUGS) >= 8
    for bug in BUGS:
        assert bug.old != bug.new, bug.name
        assert bug.notebooks, f"{bug.name}: 至少列出一个应当失败的 notebook"
        for notebook in bug.notebooks:
            assert (ROOT / notebook).is_file(), f"{bug.name}: 没有 {notebook}"
        assert (ROOT / bug.path).read_text(encoding="utf-8").count(bug.old) == 1, \
            f"{bug.name}: {bug.path} 中应恰好有一处 {bug.old!r}"
        if bug.cell:
            assert len(bug.notebooks) == 1, f"{bug.name}: 点名抓住它的单元格时只列一个 notebook"
            sources = ["".join(c["source"]) for c in json.loads((ROOT / bug.notebooks[0]).read_text(encoding="utf-8"))["cells"]
                       if c["cell_type"] == "code"]
            assert sum(bug.cell in source for source in sources) == 1, \
                f"{bug.name}: {bug.notebooks[0]} 中应恰好有一个代码单元格含有 {bug.cell!r}"


KERNEL_CHECK = """import pathlib, nndl
print(pathlib.Path(nndl.__file__).resolve().parent.parent == pathlib.Path.cwd().resolve().parent)"""


def describe(outcome):
    if outcome["error"]:
        return "出错（不是单元格的判定）：\n" + outcome["error"][-3000:]
    if outcome["failed_cell"] is None:
        return f"通过（{outcome['passed']} 个单元格）"
    return f"Cell {outcome['failed_cell']} 失败"


def catching_cell(path, notebook, outcome):
    """抓住 bug 的单元格：下标、第一行、是不是源码清单、怎样失败的。读运行的那份副本 `path`（不读原项目：
    运行期间原项目里的 notebook 可能正被改写），`notebook` 是表里显示的相对路径。"""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    index = [k for k, cell in enumerate(cells) if cell["cell_type"] == "code"][outcome["failed_cell"]]
    cell = cells[index]  # nbval 的 Cell N 是第 N 个代码单元格；index 数全部单元格（含 Markdown）
    source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    failure = outcome["failure"] or ""
    how = ("raised" if "Cell execution caused an exception" in failure
           else "output differs" if "Cell outputs differ" in failure else "failed")
    return {"notebook": notebook, "cell": outcome["failed_cell"], "index": index, "first_line": (source.splitlines() or [""])[0],
            "kind": "listing" if is_source_listing(cell) else "result", "how": how, "source": source}


class CaughtTable:
    """pytest 插件：测试结束时打印每个 bug 被哪个 notebook 的哪个单元格抓住（make sensitivity 与 make test 的日志里）。"""

    def __init__(self):
        self.rows = {}  # bug 名 -> [catching_cell(...) 或 None（没有被抓住）]

    def pytest_terminal_summary(self, terminalreporter):
        if not self.rows:
            return
        terminalreporter.section("which cell caught each bug")
        terminalreporter.write_line("Cell N: nbval's number (the N-th code cell, from 0); cell M: the M-th cell of "
                                    "the notebook counting Markdown cells too (from 0)")
        terminalreporter.write_line("kind: result = a cell whose output is compared (a result, a verdict, a setting); "
                                    "listing = a show-source cell, which does not count")
        for name, cells in self.rows.items():
            terminalreporter.write_line(name)
            for cell in cells:
                if cell["cell"] is None:
                    terminalreporter.write_line(f"    {cell['notebook']}: NOT CAUGHT ({cell['how']})")
                    continue
                first = cell["first_line"] if len(cell["first_line"]) <= 70 else cell["first_line"][:67] + "..."
                terminalreporter.write_line(f"    {Path(cell['notebook']).name} Cell {cell['cell']} (cell {cell['index']}): {cell['kind']}, "
                                            f"{cell['how']}, after {cell['seconds']:.0f} s | {first}")


def selected(request, name):
    return [item for item in request.session.items if item.originalname == name]


@pytest.fixture(scope="module")
def sensitivity_runs(request, tmp_path_factory):
    """跑完选中的 (bug, notebook) 组合与对照（-k 只选几个 bug 时只跑它们），都在同一个队列里，
    返回 ({键: run_notebooks 的结果}, {bug 名: 抓住它的单元格})。"""
    parent = tmp_path_factory.mktemp("sensitivity")
    names = {item.callspec.params["bug"].name for item in selected(request, "test_suite_catches_bug")}
    bugs = [bug for bug in BUGS if bug.name in names]
    tasks = {}

    # 对照 1：副本里的内核导入副本的 nndl（一个两行的 notebook，存储的输出是 True）。
    control = make_copy(parent, "control")
    check = {"cells": [{"cell_type": "code", "execution_count": 1, "id": "kernel-imports-copy", "metadata": {},
                        "source": KERNEL_CHECK,
                        "outputs": [{"output_type": "stream", "name": "stdout", "text": "True\n"}]}],
             "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
             "nbformat": 4, "nbformat_minor": 5}
    (control / "notebooks" / "_kernel_imports_copy.ipynb").write_text(json.dumps(check), encoding="utf-8")
    tasks["control:kernel"] = control / "notebooks/_kernel_imports_copy.ipynb"
    # 对照 2：每个 notebook 不加改动，在同样的副本设置下（同一批 pytest 进程、同样的环境）整个通过——所以每个
    # “抓住”都来自 bug，而不来自副本本身（路径、data/ 的符号链接、NNDL_WORKERS=0、不比较的源码清单……）。
    # 整本运行的对照最长，排在队列前面。make test 把它单独作为一部分运行（-k test_unmodified_copy_passes）：
    # 它就是 nbval 在本机上的那一遍，不多花一秒。
    if selected(request, "test_unmodified_copy_passes"):
        for notebook in notebooks_under():
            tasks[f"control:{notebook}"] = control / notebook

    for k, bug in enumerate(bugs):
        copy = make_copy(parent, f"bug{k:02d}")
        apply_bug(copy, bug)
        for notebook in bug.notebooks:
            tasks[f"{bug.name}|{notebook}"] = copy / notebook

    environment = dict(NNDL_PROFILE="quick", NNDL_PROGRESS="0",
                       # 几个 nbval 已经并行：实验在内核进程里训练（结果与多进程逐位相同）
                       NNDL_WORKERS=os.environ.get("NNDL_WORKERS", "0"))
    (parent / "work").mkdir()
    outcomes = run_notebooks(list(tasks.values()), parent / "work", JOBS, **environment)
    runs = {key: outcomes[notebook] for key, notebook in tasks.items()}
    for key, path in tasks.items():  # 对照要通过的单元格数：读运行的那份副本（只有对照需要）
        if key.startswith("control:"):
            runs[key]["code_cells"] = sum(cell["cell_type"] == "code"
                                          for cell in json.loads(path.read_text(encoding="utf-8"))["cells"])

    table = CaughtTable()
    for bug in bugs:
        table.rows[bug.name] = [
            {**catching_cell(tasks[key], notebook, outcome), "seconds": outcome["seconds"]}
            if outcome["failed_cell"] is not None and not outcome["error"]
            else {"notebook": notebook, "cell": None, "how": "error" if outcome["error"] else "nbval passed"}
            for notebook in bug.notebooks for key in [f"{bug.name}|{notebook}"] for outcome in [runs[key]]]
    shutil.rmtree(parent, ignore_errors=True)
    request.config.pluginmanager.register(table, "sensitivity-caught-table")
    return runs, table.rows


def test_copy_imports_its_own_nndl(sensitivity_runs):
    outcome = sensitivity_runs[0]["control:kernel"]
    assert outcome["passed"] == 1 and not outcome["error"], \
        "副本里的内核没有导入副本的 nndl（或 nbval 在副本里无法运行）：" + describe(outcome) + (outcome["failure"] or "")


def test_unmodified_copy_passes(sensitivity_runs):
    """对照：未修改的副本里每个 notebook 的每个单元格都通过——所以 bug 副本里的失败来自 bug，不来自副本本身。
    这也是 make test 在本机上的那一遍 nbval（另一遍在模拟的机器上、按原样运行，也比较源码清单）。"""
    controls = {key.removeprefix("control:"): outcome for key, outcome in sensitivity_runs[0].items()
                if key.startswith("control:notebooks/")}
    assert sorted(controls) == notebooks_under(), "对照没有运行 notebooks/ 下的每个 notebook"
    for notebook, outcome in controls.items():
        print(f"{notebook}: {describe(outcome)}, {outcome['seconds']:.0f} s")
    failed = {notebook: describe(outcome) + "\n" + (outcome["failure"] or "")[-4000:]
              for notebook, outcome in controls.items()
              if outcome["error"] or outcome["failed_cell"] is not None or outcome["passed"] != outcome["code_cells"]}
    assert not failed, ("未修改的副本里这些 notebook 没有整个通过；副本的设置（而不是 bug）会让单元格失败，敏感性测试的"
                        "结论不可信：\n" + "\n".join(f"{notebook}: {text}" for notebook, text in failed.items()))


@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_suite_catches_bug(bug, sensitivity_runs):
    runs, caught = sensitivity_runs
    for notebook, cell in zip(bug.notebooks, caught[bug.name]):
        if cell["cell"] is None:
            pytest.fail(f"{bug.name}：{notebook} 的 nbval 没有以单元格失败结束，存储的输出没有抓住这个 bug："
                        + describe(runs[f"{bug.name}|{notebook}"]))
        if cell["kind"] != "result":
            pytest.fail(f"{bug.name}：{notebook} 只被源码清单 Cell {cell['cell']}（第 {cell['index']} 个单元格：{cell['first_line']}）抓住；"
                        "要由比较结果或结论的单元格抓住它：给这个 notebook 加一个会因这个 bug 失败的检查单元格")
        if bug.cell and bug.cell not in cell["source"]:
            pytest.fail(f"{bug.name}：{notebook} 应当由含有 {bug.cell!r} 的检查单元格抓住，却到了 Cell {cell['cell']}"
                        f"（第 {cell['index']} 个单元格：{cell['first_line']}）才失败：那个检查放过了它")
    print(f"{bug.name}: caught by " + ", ".join(f"{c['notebook']} Cell {c['cell']} ({c['kind']}, {c['how']})"
                                                for c in caught[bug.name]))
