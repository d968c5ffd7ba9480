"""`make practice`: the practice notebooks (notebooks/practice/), generated from the section notebooks, and one link
cell in each section notebook that points to its practice notebook.

    python tools/make_practice.py             # write notebooks/practice/*.ipynb, execute them, refresh the link cells
    python tools/make_practice.py --links     # only insert/refresh the link cells in the section notebooks
    python tools/make_practice.py --no-execute

One source: nndl.practice.catalog.EXERCISES says which reference implementations become exercises (the objects
that a section notebook shows with `show_source(...)` in a cell tagged show-source), which methods are blanked and
which check follows. For each section notebook the practice notebook has
  - a title and how to use it, and the section's first code cell, the nndl version guard (so that a downloaded
    practice notebook without nndl stops with the install command, like every page);
  - one import cell: the names the reference implementations use, imported from the package, and the checks;
  - per exercise, in the order of the section's show-source cells: the section's Markdown just before that listing
    (the formula and its explanation, from its first heading on; headings moved under the exercise's, folded
    <details> opened, relative links one folder up), the skeleton (the listed source as the page shows it, with the
    blanked methods' bodies replaced by `raise NotImplementedError`) and a check cell (`check_optimizer(Adam, "adam")`).
The solved variant (`solved(notebook)`: each skeleton replaced by the listed source, each check's expected output
the check's pass message) is what tests/system/test_practice_notebooks.py runs under nbval; it is never committed.

The link cell: a Markdown cell with id and tag `practice-link`, right after the section notebook's title cell, that
links `practice/<notebook>.ipynb`. In JupyterLab (make lab, or the unpacked notebooks archive) the relative link
opens the practice notebook; on the site, _ext/downloads.py turns it into a link to the copy it serves under
downloads/practice/. Running this again replaces the cell (idempotent); nothing else in the section notebook
changes. tests/unit/test_practice_generator.py fails when a committed practice notebook or a link cell is not what
this generator writes today (after editing a section notebook's text around a listing, run `make practice`).
"""

import argparse
import ast
import builtins
import copy
import importlib
import inspect
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
PRACTICE = NOTEBOOKS / "practice"
LINK_ID = "practice-link"
SKELETON_TAG = "practice-skeleton"
CHECK_TAG = "practice-check"
LISTING_TAG = "show-source"
CHECKS = {"optimizer": "check_optimizer", "schedule": "check_schedule", "init": "check_init", "layer": "check_layer"}
TODO = "# 在这里写你的代码（写好后删掉下面这一行）"

sys.path.insert(0, str(ROOT))
from nndl.practice.cases import CASES  # noqa: E402
from nndl.practice.catalog import EXERCISES, Exercise, reference_object  # noqa: E402
from nndl.show import without_checks  # noqa: E402


def section_path(stem):
    return NOTEBOOKS / f"{stem}.ipynb"


def practice_path(stem):
    return PRACTICE / f"{stem}.ipynb"


def source_of(cell):
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


@dataclass(frozen=True)
class Listing:
    """An exercise as its section notebook lists it: the show-source cell's index and whether it hides the checks."""
    index: int
    item: Exercise
    hide_checks: bool


def solution_source(listing):
    """The reference implementation exactly as the section page shows it (show_source(X) or show_source(X,
    hide_checks=True))."""
    source = inspect.getsource(reference_object(listing.item))
    return (without_checks(source) if listing.hide_checks else source).rstrip("\n") + "\n"


# ---------------------------------------------------------------------------------------------------------------
# Where each exercise sits in its section notebook

def _listed(cell):
    """{last part of the dotted name: hide_checks} for each show_source(...) call of a show-source cell."""
    names = {}
    for node in ast.walk(ast.parse(source_of(cell))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "show_source" and node.args:
            target = node.args[0]
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
            names[name] = any(k.arg == "hide_checks" and getattr(k.value, "value", False) for k in node.keywords)
    return names


def find_listing(notebook, item):
    """The show-source cell of `notebook` that lists `item`'s reference implementation (exactly one)."""
    found = [Listing(k, item, _listed(cell)[item.name]) for k, cell in enumerate(notebook.cells)
             if cell.cell_type == "code" and LISTING_TAG in cell.metadata.get("tags", [])
             and item.name in _listed(cell)]
    if len(found) != 1:
        raise SystemExit(f"notebooks/{item.notebook}.ipynb: expected one show-source cell listing {item.name} "
                         f"(nndl.practice.catalog, exercise {item.key!r}), found {len(found)}")
    return found[0]


def listings(stem, notebook=None):
    """The exercises of section `stem` as its notebook lists them, in page order."""
    notebook = notebook or nbformat.read(section_path(stem), as_version=4)
    return sorted((find_listing(notebook, item) for item in EXERCISES if item.notebook == stem),
                  key=lambda listing: listing.index)


def sections():
    """The section notebooks that have exercises, in the order of nndl.practice.catalog.EXERCISES."""
    return list(dict.fromkeys(item.notebook for item in EXERCISES))


# ---------------------------------------------------------------------------------------------------------------
# The text carried over from the section

_HEADING = re.compile(r"^(#+) ")
_DETAILS = re.compile(r"^\s*(<details>|</details>|<summary>.*</summary>)\s*$")
_RELATIVE_LINK = re.compile(r"\]\((?![a-z][a-z0-9+.-]*:|#|/)([^)\s]+)\)")


def carried_markdown(notebook, index, exercise_cells):
    """The section's Markdown right before the listing at `index`: the run of Markdown cells just before it; when
    there is none (the listing follows another listing, e.g. Optimizer before SimpleBatchGD), the run just before
    the listings that are no exercises. From the first heading on, if there is one (what precedes it concludes the
    previous part); headings shifted so that the shallowest is ###, under the exercise's ## heading; <details>
    opened; relative links one folder up (the practice notebook lives in notebooks/practice/)."""
    cells, k = [], index - 1
    while k >= 0:
        cell = notebook.cells[k]
        if cell.cell_type == "markdown" and not is_link_cell(cell):
            cells.insert(0, source_of(cell))
        elif cells or not (LISTING_TAG in cell.metadata.get("tags", []) and k not in exercise_cells):
            break
        k -= 1
    lines = [line for line in "\n\n".join(cells).splitlines() if not _DETAILS.match(line)]
    levels = [len(m.group(1)) for m in map(_HEADING.match, lines) if m]
    if levels:
        lines = lines[next(k for k, line in enumerate(lines) if _HEADING.match(line)):]
        shift = 3 - min(levels)
        lines = [_HEADING.sub(lambda m: "#" * (len(m.group(1)) + shift) + " ", line) for line in lines]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return _RELATIVE_LINK.sub(r"](../\1)", text)


# ---------------------------------------------------------------------------------------------------------------
# Skeletons and imports

def skeleton_source(listing):
    """The listed source with the bodies of the blanked methods (the whole function body for a function exercise)
    replaced by a TODO comment and `raise NotImplementedError`; signatures and docstrings stay."""
    item = listing.item
    source = solution_source(listing)
    lines = source.splitlines()
    top = ast.parse(source).body[0]
    targets = [top] if not item.blanks else [node for node in top.body
                                             if isinstance(node, ast.FunctionDef) and node.name in item.blanks]
    missing = set(item.blanks) - {node.name for node in targets}
    if missing or not targets:
        raise SystemExit(f"{item.name}: no method {sorted(missing)} to blank (nndl.practice.catalog)")
    for node in sorted(targets, key=lambda n: n.lineno, reverse=True):
        first = node.body[0]
        docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
            and isinstance(first.value.value, str)
        # everything after the signature (and the docstring) goes, comments included
        header = max([node.lineno] + [n.end_lineno for n in ast.walk(node.args) if hasattr(n, "end_lineno")]
                     + ([node.returns.end_lineno] if node.returns else []))
        start = first.end_lineno if docstring else header
        indent = " " * first.col_offset
        lines[start:node.end_lineno] = [indent + TODO, indent + "raise NotImplementedError"]
    return "\n".join(lines) + "\n"


def _binding_import(module, name):
    """The import statement of `module`'s source that binds `name`, made absolute; None if `name` is defined there."""
    for node in ast.parse(inspect.getsource(module)).body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if (alias.asname or alias.name.split(".")[0]) == name:
                    return ("import", alias.name + (f" as {alias.asname}" if alias.asname else ""))
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    base = module.__package__.split(".")
                    package = ".".join(base[:len(base) - node.level + 1]) if node.level else ""
                    return _public_import(".".join(p for p in (package, node.module) if p), alias.name, name)
    return None


def _public_import(module_name, name, bound):
    """("from", M, "name") with M the nearest enclosing package that exports `name` (from nndl.op import Optimizer,
    as the book writes), else the defining module."""
    value = getattr(importlib.import_module(module_name), name)
    parts = module_name.split(".")
    for k in range(len(parts) - 1, 0, -1):
        package = importlib.import_module(".".join(parts[:k]))
        if name in getattr(package, "__all__", ()) and getattr(package, name, None) is value:
            module_name = package.__name__
            break
    return ("from", module_name, name + (f" as {bound}" if bound != name else ""))


def imports_for(found):
    """Import lines for the module-level names the listed sources use (`import paddle`, `from nndl.op import
    Optimizer`), then the checks."""
    plain, froms = set(), {}
    own = {listing.item.name for listing in found}
    for listing in found:
        module = importlib.import_module(listing.item.module)
        used = {node.id for node in ast.walk(ast.parse(solution_source(listing))) if isinstance(node, ast.Name)}
        for name in sorted(used - own):
            if name not in vars(module) or name in vars(builtins):
                continue
            statement = _binding_import(module, name) or _public_import(listing.item.module, name, name)
            if statement[0] == "import":
                plain.add(f"import {statement[1]}")
            else:
                froms.setdefault(statement[1], set()).add(statement[2])
    froms.setdefault("nndl.practice", set()).update(CHECKS[listing.item.kind] for listing in found)
    return "\n".join(sorted(plain) + [f"from {module} import {', '.join(sorted(names, key=str.lower))}"
                                      for module, names in sorted(froms.items())])


def version_check(section):
    """The section notebook's first code cell, the nndl version guard (up to a top-level import, if the cell goes on
    with imports), and its tags (remove-cell: a page does not show it)."""
    cell = next(c for c in section.cells if c.cell_type == "code")
    lines = source_of(cell).splitlines()
    end = next((k for k, line in enumerate(lines) if re.match(r"(import|from) ", line)), len(lines))
    return "\n".join(lines[:end]).rstrip(), list(cell.metadata.get("tags", []))


# ---------------------------------------------------------------------------------------------------------------
# The practice notebook, its solved variant and the link cell

def title_of(section):
    return source_of(section.cells[0]).splitlines()[0].lstrip("#").strip()


def exercise_name(item):
    return f"{item.name}.{'/'.join(item.blanks)}" if item.blanks else item.name


WHAT_TO_WRITE = {
    "optimizer": "**要写的**：`update(self, x, g, state)`——由参数 `x`、梯度 `g` 和这个参数的状态 `state` 算出并返回更新后的"
                 "参数（新的张量）。状态是 `state_names` 里列出的量（如 `state.G`），初值为零张量，在 `update` 里给它们"
                 "赋新值；学习率是 `self.init_lr`（也就是 `self.lr`），步数是 `self.t`（第一次更新时为 1）。"
                 "遍历参数的是基类 `Optimizer`。",
    "schedule": "**要写的**：`value(self, t)`——已做 `t` 次更新之后（即第 `t + 1` 次更新所用）的学习率，`t` 从 0 数起。"
                "这里只写余弦衰减；别的调度写法相同（`nndl.lr` 的文档字符串列出了它们的公式）。",
    "init": "**要写的**：函数体——返回一个数：高斯分布的标准差，或均匀分布区间 $[-r, r]$ 的半径 $r$。",
    "layer": "**要写的**：{methods}，用 Paddle 的张量运算（`paddle.*`）。检查在固定的输入上比较{what}。",
}


def what_to_write(item):
    text = WHAT_TO_WRITE[item.kind]
    if item.kind == "layer":
        methods = "、".join(f"`{name}`" for name in item.blanks)
        what = ("输出，以及 Paddle 的自动微分从你的前向得到的梯度" if item.blanks == ("forward",)
                else "前向的结果与 backward 算出的梯度")
        text = text.format(methods=methods, what=what)
    return text + CASES[item.key].note


def _code(cell_id, source, tags=()):
    cell = nbformat.v4.new_code_cell(source)
    cell.id = cell_id
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _markdown(cell_id, source):
    cell = nbformat.v4.new_markdown_cell(source)
    cell.id = cell_id
    return cell


def practice_notebook(stem, found=None, section=None):
    """The practice notebook for section `stem` (no outputs)."""
    section = section or nbformat.read(section_path(stem), as_version=4)
    found = found or listings(stem, section)
    exercise_cells = {listing.index for listing in found}
    names = "、".join(f"`{exercise_name(listing.item)}`" for listing in found)
    intro = (f"# 练习：{title_of(section)}\n\n"
             f"这个练习 notebook 由[本节的页面](../{stem}.ipynb)生成：本节讲的 {names} 在这里是骨架——签名、文档字符串和 "
             "`raise NotImplementedError`。公式与讲解摘自本节。\n\n"
             "**怎样做**：先运行下面的第一个代码单元格（导入）；然后对每个练习，把骨架里的 `raise NotImplementedError` "
             "换成你的代码，运行它，再运行紧跟的检查单元格。检查在一个固定的小例子上把你的代码与参考实现（已与 Paddle "
             "逐步核对）逐项比较，告诉你：通过；还没有写；或者第一处不同在哪里（哪一项、哪个元素、应为多少、得到多少），"
             "结果像某个常见错误时还会说出是哪一个。检查不显示参考代码；想对照时回到本节的页面。")
    guard, guard_tags = version_check(section)
    # like the section notebooks: the version guard alone in the first code cell, the imports in the next one
    cells = [_markdown("title", intro), _code("guard", guard, guard_tags),
             _code("setup", imports_for(found), ["hide-input"])]
    for number, listing in enumerate(found, 1):
        item = listing.item
        text = carried_markdown(section, listing.index, exercise_cells)
        parts = [f"## 练习 {number}：{exercise_name(item)}", text, what_to_write(item)]
        cells.append(_markdown(f"{item.key}-text", "\n\n".join(part for part in parts if part)))
        cells.append(_code(f"{item.key}-skeleton", skeleton_source(listing).rstrip("\n"), [SKELETON_TAG]))
        cells.append(_code(f"{item.key}-check", f'{CHECKS[item.kind]}({item.name}, "{item.key}")', [CHECK_TAG]))
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": dict(section.metadata["kernelspec"])})
    notebook.nbformat_minor = section.nbformat_minor
    return notebook


def solved(notebook, stem):
    """A copy of practice notebook `stem` with every skeleton replaced by the listed source and every check cell's
    expected output the check's pass message (computed here from the reference implementation, independently of the
    kernel that will run the notebook)."""
    from nndl.practice.checks import run_check

    by_key = {listing.item.key: listing for listing in listings(stem)}
    out = copy.deepcopy(notebook)
    for cell in out.cells:
        key = cell.get("id", "").rsplit("-", 1)[0]
        if SKELETON_TAG in cell.metadata.get("tags", []):
            cell.source = solution_source(by_key[key]).rstrip("\n")
            cell.outputs = []
        elif CHECK_TAG in cell.metadata.get("tags", []):
            message = run_check(key, reference_object(by_key[key].item)).message
            cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": message},
                                                   execution_count=cell.execution_count)]
    return out


def link_text(stem, found):
    names = "、".join(f"`{exercise_name(listing.item)}`" for listing in found)
    return (f"**自己动手**　本页的 {names} 可以自己写一遍再检查：在练习 notebook "
            f"[`practice/{stem}.ipynb`](practice/{stem}.ipynb) 里它们是骨架，每个后面跟着一个检查单元格，说出你的结果"
            "与参考实现第一处不同在哪里、像哪一种常见错误，但不显示参考代码。在 JupyterLab 里（`make lab`）点击链接打开它；"
            "在网站上点击链接下载，先按[简介](../book/intro.md)一页“单独下载 notebook”一节装好 nndl。")


def link_cell(stem, found):
    cell = _markdown(LINK_ID, link_text(stem, found))
    cell.metadata["tags"] = [LINK_ID]
    return cell


def is_link_cell(cell):
    return cell.get("id") == LINK_ID or LINK_ID in cell.get("metadata", {}).get("tags", [])


def with_link(section, stem, found):
    """`section` with exactly one link cell, right after its title cell (idempotent)."""
    cells = [cell for cell in section.cells if not is_link_cell(cell)]
    section.cells = cells[:1] + [link_cell(stem, found)] + cells[1:]
    return section


def execute(notebook, folder):
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    return notebook


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", action="store_true", help="only insert/refresh the link cells")
    parser.add_argument("--no-execute", action="store_true", help="write the practice notebooks without outputs")
    args = parser.parse_args(argv)
    for stem in sections():
        path = section_path(stem)
        section = nbformat.read(path, as_version=4)
        found = listings(stem, section)
        before = nbformat.writes(section)
        with_link(section, stem, found)
        if nbformat.writes(section) != before:
            nbformat.write(section, path)
            print(f"link cell written: {path.relative_to(ROOT)}", flush=True)
        if args.links:
            continue
        notebook = practice_notebook(stem, listings(stem, section), section)
        PRACTICE.mkdir(exist_ok=True)
        if not args.no_execute:
            execute(notebook, PRACTICE)
        nbformat.write(notebook, practice_path(stem))
        print(f"written: {practice_path(stem).relative_to(ROOT)} ({len(found)} exercises)", flush=True)


if __name__ == "__main__":
    main()
