"""敏感性测试：证明 nbval 比较的存储输出确实能抓住真实的回归。

tests/sensitivity_bugs.py 列出维护者可能提交的“看似合理的 bug”（偏差修正差一步、衰减率与其补数互换、梯度系数
写错、数据缩放到别的范围、书中的学习率被改动……）。本测试对每个 bug：

1. 把项目复制到临时目录（不含 .venv、_build、.git；data/ 用符号链接），只在副本里改一处源码；
2. 用副本自己的 nndl（内核启动时 PYTHONPATH 以副本开头，内核由同一个 Python 以 --nbval-current-env 启动），
   以 quick profile 对该 bug 列出的每个 notebook 运行 nbval（第一个不符的单元格就停，省时间）；
3. 断言每个 notebook 的 nbval 都失败，并记下是哪个单元格抓住了它。

副本里只显示源码的单元格（`show_source(...)`）不参与比较：bug 改了源码，源码清单当然不同，但要证明的是页面上的
结论（数值、排序、与 Paddle 的对照、书中的设置）能抓住它。

另有两项对照：副本里的内核导入的确实是副本的 nndl（而不是原项目的可编辑安装）；未修改的副本里 nbval 能通过
（一个生成的小 notebook；设置 NNDL_SENSITIVITY_CONTROL=1 时改为在未修改的副本上对全部涉及的 notebook 运行 nbval，
较慢）。全部 notebook 由 NNDL_SENSITIVITY_JOBS（默认 2）个 pytest 进程当作队列分着跑（tests/nbval_worklist.py：
每个 pytest 进程启动一次 nbval 约 2.5 核·秒，每个 notebook 一个进程的话 33 个就是 80 核·秒）。
"""

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from nbval_worklist import run_notebooks  # noqa: E402
from sensitivity_bugs import BUGS  # noqa: E402

JOBS = os.environ.get("NNDL_SENSITIVITY_JOBS", "2")
if not JOBS.isdigit() or int(JOBS) < 1:
    raise ValueError(f"NNDL_SENSITIVITY_JOBS must be a whole number of processes, at least 1; got {JOBS!r}")
JOBS = int(JOBS)
CONTROL = os.environ.get("NNDL_SENSITIVITY_CONTROL") == "1"
IGNORED = {".venv", "_build", ".git", "runs", ".pytest_cache", "__pycache__", ".ipynb_checkpoints", "data"}


def make_copy(parent, name):
    """项目的一个副本：源码、notebook 与配置，data/ 是指向原项目的符号链接（只读使用）。"""
    copy = Path(parent) / name
    shutil.copytree(ROOT, copy, ignore=lambda d, names: [n for n in names if n in IGNORED or n.endswith(".egg-info")])
    (copy / "data").symlink_to(ROOT / "data", target_is_directory=True)
    ignore_source_listings(copy)
    return copy


LISTING_LINE = re.compile(r"\s*(#.*|(from\s+\S+\s+)?import\s.*|show_source\(.*\))?\s*")


def is_source_listing(cell):
    """只显示包内源码的单元格（`show_source(...)`，可带 import 与注释）。"""
    source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    return (cell["cell_type"] == "code" and "show_source(" in source
            and all(LISTING_LINE.fullmatch(line) for line in source.splitlines()))


def ignore_source_listings(copy):
    """副本里不比较源码清单：bug 改了源码，显示源码的单元格当然不同，那不算“抓住”了它。
    要证明的是页面上的结论（数值、排序、与 Paddle 的对照）能抓住 bug。"""
    for path in (copy / "notebooks").glob("*.ipynb"):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            if is_source_listing(cell):
                tags = cell.setdefault("metadata", {}).setdefault("tags", [])
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


KERNEL_CHECK = """import pathlib, nndl
print(pathlib.Path(nndl.__file__).resolve().parent.parent == pathlib.Path.cwd().resolve().parent)"""


def describe(outcome):
    if outcome["error"]:
        return "出错（不是单元格的判定）：\n" + outcome["error"][-3000:]
    if outcome["failed_cell"] is None:
        return f"通过（{outcome['passed']} 个单元格）"
    return f"Cell {outcome['failed_cell']} 失败"


@pytest.fixture(scope="module")
def sensitivity_runs(tmp_path_factory):
    """跑完全部 (bug, notebook) 组合与对照，返回 {键: run_notebooks 的结果}。"""
    parent = tmp_path_factory.mktemp("sensitivity")
    tasks = {}

    # 对照 1：副本里的内核导入副本的 nndl，且未修改的副本里 nbval 通过（一个两行的 notebook，存储的输出是 True）。
    control = make_copy(parent, "control")
    check = {"cells": [{"cell_type": "code", "execution_count": 1, "id": "kernel-imports-copy", "metadata": {},
                        "source": KERNEL_CHECK,
                        "outputs": [{"output_type": "stream", "name": "stdout", "text": "True\n"}]}],
             "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
             "nbformat": 4, "nbformat_minor": 5}
    (control / "notebooks" / "_kernel_imports_copy.ipynb").write_text(json.dumps(check), encoding="utf-8")
    tasks["control:kernel"] = control / "notebooks/_kernel_imports_copy.ipynb"
    if CONTROL:
        for notebook in sorted({nb for bug in BUGS for nb in bug.notebooks}):
            tasks[f"control:{notebook}"] = control / notebook

    for k, bug in enumerate(BUGS):
        copy = make_copy(parent, f"bug{k:02d}")
        apply_bug(copy, bug)
        for notebook in bug.notebooks:
            tasks[f"{bug.name}|{notebook}"] = copy / notebook

    outcomes = run_notebooks(list(tasks.values()), parent, JOBS, NNDL_PROFILE="quick", NNDL_PROGRESS="0",
                             # 几个 nbval 已经并行：实验在内核进程里训练（结果与多进程逐位相同）
                             NNDL_WORKERS=os.environ.get("NNDL_WORKERS", "0"))
    shutil.rmtree(parent, ignore_errors=True)
    return {key: outcomes[notebook] for key, notebook in tasks.items()}


def test_copy_imports_its_own_nndl(sensitivity_runs):
    outcome = sensitivity_runs["control:kernel"]
    assert outcome["passed"] == 1 and not outcome["error"], \
        "副本里的内核没有导入副本的 nndl（或 nbval 在副本里无法运行）：" + describe(outcome) + (outcome["failure"] or "")


@pytest.mark.skipif(not CONTROL, reason="设置 NNDL_SENSITIVITY_CONTROL=1 时才在未修改的副本上运行全部涉及的 notebook")
def test_unmodified_copy_passes(sensitivity_runs):
    failed = {key: describe(outcome) + (outcome["failure"] or "")[-2000:] for key, outcome in sensitivity_runs.items()
              if key.startswith("control:") and (outcome["error"] or outcome["failed_cell"] is not None)}
    assert not failed, failed


@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_suite_catches_bug(bug, sensitivity_runs):
    report = []
    for notebook in bug.notebooks:
        outcome = sensitivity_runs[f"{bug.name}|{notebook}"]
        if outcome["error"] or outcome["failed_cell"] is None:
            pytest.fail(f"{bug.name}：{notebook} 的 nbval 没有以单元格失败结束，存储的输出没有抓住这个 bug："
                        + describe(outcome))
        report.append(f"{notebook} Cell {outcome['failed_cell']}")
    print(f"{bug.name}: caught by " + ", ".join(report))
