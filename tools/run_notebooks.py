"""Re-execute notebooks in place (quick profile) so that the outputs nbval compares match the current nndl.

Usage: python tools/run_notebooks.py [notebooks/NAME.ipynb ...]   (default: every notebook under notebooks/ and
                                                                  the practice notebooks under notebooks/practice/)
       make notebooks NB=notebooks/7-6-regularization.ipynb       (the same through make; NB may list several)
Cells run in the notebook's own folder, as in nbval and the site build; per-cell execution timestamps are dropped
so that a re-run changes only what really changed.
"""

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from portability import notebooks_under

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def run(path):
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=None, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, path)


def chosen(argv):
    """要执行的 notebook（绝对路径）：列出的那些，默认全部（notebooks/ 下的与 notebooks/practice/ 下的练习 notebook）。
    只接受其中存在的 .ipynb，写错的名字在执行任何一个之前就报告（否则前面的 notebook 已被改写，才发现最后一个不存在）。"""
    known = [ROOT / name for name in notebooks_under()]
    if not argv:
        return known
    paths = [Path(p).resolve() for p in argv]
    wrong = [p for p, path in zip(argv, paths) if path not in known]
    if wrong:
        names = "\n  ".join(str(p.relative_to(ROOT)) for p in known)
        sys.exit(f"不是 notebooks/ 下的 notebook：{', '.join(wrong)}\n可以执行的有：\n  {names}")
    return paths


def main(argv):
    os.environ.setdefault("NNDL_PROGRESS", "0")  # 保存的输出里没有进度条
    if os.environ.setdefault("NNDL_PROFILE", "quick") != "quick":
        sys.exit("提交的输出是 quick 的：请以 NNDL_PROFILE=quick 运行（或不设置它）")
    for path in chosen(argv):
        print(f"执行 {path.relative_to(ROOT)}", flush=True)
        run(path)


if __name__ == "__main__":
    main(sys.argv[1:])
