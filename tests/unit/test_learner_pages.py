"""Learner pages carry no engineering (static part; the rendered pages are checked by tests/system/test_site.py).

- nbval's directives are cell tags (``nbval-ignore-output``), never ``# NBVAL_…`` comments a reader would see;
- each notebook opens with the section, not plumbing: its first code cell is the ``nndl`` version guard, which a
  downloaded notebook needs but the site does not show (tag ``remove-cell``), and the cell after it, the imports,
  is collapsed on the site (tag ``hide-input``), so the page shows what it uses without a screenful of imports.
"""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"])


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_nbval_comments(path):
    found = [i for i, cell in enumerate(cells(path)) if "NBVAL_" in source(cell)]
    assert not found, f"{path.name}: cells {found} carry a # NBVAL_ comment; use the cell tag nbval-ignore-output"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_guard_is_hidden_and_the_imports_folded(path):
    code = [cell for cell in cells(path) if cell["cell_type"] == "code"]
    guard, imports = code[0], code[1]
    assert source(guard).startswith("NNDL_VERSION") and "remove-cell" in tags(guard), \
        f"{path.name}: the first code cell should be the nndl version guard, tagged remove-cell"
    assert "import" in source(guard) and "from nndl" not in source(guard).split("from None", 1)[1], \
        f"{path.name}: the guard cell should hold only the guard (the imports go in the next cell)"
    assert "hide-input" in tags(imports) and "import" in source(imports), \
        f"{path.name}: the second code cell should be the imports, tagged hide-input"
