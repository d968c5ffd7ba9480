"""The supported Python versions are stated once in nndl (PYTHON_MIN, PYTHON_MAX) and identically everywhere a
learner or pip reads them; `import nndl` on any other Python stops with one Chinese message naming the range."""

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import nndl

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import portability  # noqa: E402

MAJOR, LOW = nndl.PYTHON_MIN
_, HIGH = nndl.PYTHON_MAX
VERSIONS = [f"{MAJOR}.{minor}" for minor in range(LOW, HIGH + 1)]
STATED = f"Python {nndl.PYTHON_RANGE}"


def first_code_cell(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "".join(next(cell for cell in cells if cell["cell_type"] == "code")["source"])


def test_range_is_the_versions_between_min_and_max():
    assert nndl.PYTHON_RANGE == f"{VERSIONS[0]}–{VERSIONS[-1]}"
    assert portability.supported_pythons() == VERSIONS


def test_pyproject_states_the_same_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == f">={MAJOR}.{LOW},<{MAJOR}.{HIGH + 1}"
    stated = sorted(c.rsplit(":: ", 1)[1] for c in project["classifiers"] if re.search(r":: 3\.\d+$", c))
    assert stated == VERSIONS


@pytest.mark.parametrize("page", ["README.md", "book/intro.md"])
def test_pages_state_the_same_range(page):
    text = (ROOT / page).read_text(encoding="utf-8")
    assert STATED in text, f"{page} 没有写明 {STATED}"
    other = {m for m in re.findall(r"Python 3\.\d+(?:–3\.\d+)?", text) if m != STATED}
    assert not other, f"{page} 还写着别的 Python 版本：{sorted(other)}"


@pytest.mark.parametrize("path", [ROOT / name for name in portability.notebooks_under()],
                         ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_notebook_first_cell_names_version_and_range(path):
    source = first_code_cell(path)
    assert f'NNDL_VERSION = "{nndl.__version__}"' in source
    assert STATED in source


def import_nndl_as(version_info, python=sys.executable):
    """Import the repository's nndl in a fresh interpreter that reports `version_info` (None: its own)."""
    fake = f"import sys; sys.version_info = {tuple(version_info)!r}; " if version_info else ""
    return subprocess.run([python, "-c", fake + "import nndl"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def expected_message(shown):
    return f"ImportError: nndl {nndl.__version__} 支持 {STATED}，当前的 Python 是 {shown}"


@pytest.mark.parametrize("version_info", [(MAJOR, LOW - 1, 13, "final", 0), (MAJOR, HIGH + 1, 0, "final", 0)],
                         ids=lambda v: f"{v[0]}.{v[1]}")
def test_import_refuses_an_unsupported_python(version_info):
    result = import_nndl_as(version_info)
    assert result.returncode != 0
    assert expected_message(".".join(map(str, version_info[:3]))) in result.stderr, result.stderr
    assert "paddle" not in result.stderr.lower(), "the check must come before any dependency is imported"


def test_import_accepts_the_supported_pythons():
    result = import_nndl_as(None)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("version", [f"{MAJOR}.{LOW - 1}", f"{MAJOR}.{HIGH + 1}"])
def test_import_refuses_a_real_unsupported_interpreter(version):
    python = portability.find_python(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    shown = subprocess.check_output([python, "-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"],
                                    text=True).strip()
    result = import_nndl_as(None, python)
    assert result.returncode != 0
    assert expected_message(shown) in result.stderr, result.stderr


def test_every_python_file_compiles_without_warnings():
    """An invalid escape such as "\\{" in a docstring is a DeprecationWarning on 3.11 (hidden) but a SyntaxWarning on
    3.12+, printed when a fresh venv first compiles the module: nbval then sees stderr in every notebook that imports
    it (nndl/compare.py failed 7-3-4, 7-3-5 and 7-3-exercises on 3.12 and 3.13 this way)."""
    import warnings

    files = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    assert files
    for name in files:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            compile((ROOT / name).read_text(encoding="utf-8"), name, "exec")
