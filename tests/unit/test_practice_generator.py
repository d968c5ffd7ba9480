"""练习 notebook 只有一个来源（静态，不启动内核）：提交的 notebooks/practice/*.ipynb 与各节 notebook 里的链接单元格，
就是 tools/make_practice.py 今天会写出的样子。

改了某一节显示源码的单元格、它前面的讲解、包里被显示的源码或 nndl.practice.catalog 之后，这里失败，直到运行
`make practice`（它重新生成并执行练习 notebook，刷新链接单元格）。
"""

import json
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import make_practice  # noqa: E402
from portability import notebooks_under  # noqa: E402

from nndl.practice.catalog import EXERCISES  # noqa: E402

SECTIONS = make_practice.sections()
RUN_IT = "（运行 make practice 重新生成）"


def _shape(notebook):
    """一个 notebook 除输出之外的全部：每个单元格的 id、类型、源码与元数据，以及内核（执行时添加的 language_info 除外）。"""
    cells = [(c.get("id"), c.cell_type, make_practice.source_of(c), dict(c.metadata)) for c in notebook.cells]
    return cells, dict(notebook.metadata["kernelspec"])


def test_the_practice_notebooks_are_the_sections_with_exercises():
    on_disk = sorted(p.stem for p in make_practice.PRACTICE.glob("*.ipynb"))
    assert on_disk == sorted(SECTIONS), f"notebooks/practice/ 与有练习的各节不一致{RUN_IT}"
    assert sum(len(make_practice.listings(stem)) for stem in SECTIONS) == len(EXERCISES) >= 15


@pytest.mark.parametrize("stem", SECTIONS)
def test_practice_notebook_is_what_the_generator_writes(stem):
    committed = nbformat.read(make_practice.practice_path(stem), as_version=4)
    assert _shape(committed) == _shape(make_practice.practice_notebook(stem)), \
        f"notebooks/practice/{stem}.ipynb 不是生成器今天写出的样子{RUN_IT}"


@pytest.mark.parametrize("stem", SECTIONS)
def test_practice_notebook_is_handed_out_unsolved_and_executed(stem):
    """提交的是发给学习者的样子：每个检查单元格都执行过，报告的都是“还没有写”。"""
    notebook = nbformat.read(make_practice.practice_path(stem), as_version=4)
    checks = [c for c in notebook.cells if make_practice.CHECK_TAG in c.metadata.get("tags", [])]
    assert len(checks) == len(make_practice.listings(stem))
    for cell in checks:
        texts = [o["data"]["text/plain"] for o in cell.outputs if o.get("output_type") == "execute_result"]
        assert len(texts) == 1 and texts[0].startswith("还没有写："), (cell.id, cell.outputs)
    assert all(not c.outputs for c in notebook.cells if c.cell_type == "code" and c not in checks)


@pytest.mark.parametrize("stem", SECTIONS)
def test_section_notebook_has_one_current_link_cell_after_its_title(stem):
    section = nbformat.read(make_practice.section_path(stem), as_version=4)
    links = [k for k, cell in enumerate(section.cells) if make_practice.is_link_cell(cell)]
    assert links == [1], f"notebooks/{stem}.ipynb 应当在标题单元格之后恰有一个链接单元格，实际在 {links}{RUN_IT}"
    found = make_practice.listings(stem, section)
    assert section.cells[1].source == make_practice.link_text(stem, found), f"链接单元格的文字不是最新的{RUN_IT}"
    assert f"](practice/{stem}.ipynb)" in section.cells[1].source


def test_sections_without_exercises_have_no_link_cell():
    for name in notebooks_under():
        path = ROOT / name
        if path.parent.name == "notebooks" and path.stem not in SECTIONS:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            assert not any(make_practice.is_link_cell(cell) for cell in cells), name


def test_inserting_the_link_is_idempotent_and_touches_nothing_else():
    stem = SECTIONS[0]
    section = nbformat.read(make_practice.section_path(stem), as_version=4)
    found = make_practice.listings(stem, section)
    once = nbformat.writes(make_practice.with_link(section, stem, found))
    twice = nbformat.writes(make_practice.with_link(nbformat.reads(once, as_version=4), stem, found))
    assert once == twice
    without = [c for c in nbformat.reads(once, as_version=4).cells if not make_practice.is_link_cell(c)]
    original = [c for c in nbformat.read(make_practice.section_path(stem), as_version=4).cells
                if not make_practice.is_link_cell(c)]
    assert without == original


def test_solved_variant_puts_the_listed_source_in_and_expects_a_pass():
    stem = "7-3-3-momentum-adam"
    solved = make_practice.solved(nbformat.read(make_practice.practice_path(stem), as_version=4), stem)
    skeletons = [c for c in solved.cells if make_practice.SKELETON_TAG in c.metadata.get("tags", [])]
    assert skeletons and all("NotImplementedError" not in c.source for c in skeletons)
    checks = [c for c in solved.cells if make_practice.CHECK_TAG in c.metadata.get("tags", [])]
    assert [c.outputs[0]["data"]["text/plain"][:3] for c in checks] == ["通过："] * len(checks)
