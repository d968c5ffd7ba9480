"""练习 notebook 在 nbval 下填上解答后通过（issue 31）。

发给学习者的样子（notebooks/practice/*.ipynb，检查报告“还没有写”）与其他 notebook 一样由 make test 的两遍 nbval 核对
（tools/portability.py 的 notebooks_under 包括它们）。这里核对另一半：tools/make_practice.py 的 `solved` 把每个骨架
换成页面上显示的那份源码、把每个检查单元格的期望输出设为它的“通过”消息（在本进程里由参考实现算出），写到临时目录，
然后对这些 notebook 运行 nbval：在新内核里从上到下执行，每个检查都必须说“通过”。
"""

import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import make_practice  # noqa: E402


def test_practice_notebooks_pass_nbval_with_the_solutions_in(tmp_path):
    folder = tmp_path / "notebooks" / "practice"
    folder.mkdir(parents=True)
    for stem in make_practice.sections():
        handed_out = nbformat.read(make_practice.practice_path(stem), as_version=4)
        nbformat.write(make_practice.solved(handed_out, stem), folder / f"{stem}.ipynb")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env",
               "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"), "--rootdir", str(tmp_path),
               *sorted(map(str, folder.glob("*.ipynb")))]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    code_cells = sum(cell.cell_type == "code" for path in folder.glob("*.ipynb")
                     for cell in nbformat.read(path, as_version=4).cells)
    assert f"{code_cells} passed" in result.stdout, result.stdout[-2000:]
