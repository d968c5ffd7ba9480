"""tests/nbval_worklist.py, the sensitivity test's way of running nbval: notebooks from several project copies in two
pytest processes sharing them as a queue. Tiny notebooks without Paddle, so that this takes seconds."""

import json

from nbval_worklist import run_notebooks


def notebook(*cells):
    """cells: (source, stored stdout) pairs."""
    return json.dumps({
        "cells": [{"cell_type": "code", "execution_count": k + 1, "id": f"c{k}", "metadata": {}, "source": source,
                   "outputs": [{"output_type": "stream", "name": "stdout", "text": text}] if text else []}
                  for k, (source, text) in enumerate(cells)],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5})


def test_each_notebook_runs_once_with_its_copy_on_the_path_and_stops_at_its_first_failure(tmp_path):
    for name in "ab":
        (tmp_path / name / "notebooks").mkdir(parents=True)
        (tmp_path / name / "which_copy.py").write_text(f"NAME = {name!r}\n")
    imports = notebook(("import which_copy\nprint(which_copy.NAME)", "COPY\n"), ("print(2)", "2\n"))
    for name in "ab":  # passes only if the kernel imports this copy's module, not the other copy's
        (tmp_path / name / "notebooks" / "imports.ipynb").write_text(imports.replace("COPY", name))
    (tmp_path / "a" / "notebooks" / "practice").mkdir()  # a practice notebook, one folder deeper: still copy a
    (tmp_path / "a" / "notebooks" / "practice" / "imports.ipynb").write_text(imports.replace("COPY", "a"))
    failing = tmp_path / "a" / "notebooks" / "fails.ipynb"
    failing.write_text(notebook(("print(1)", "1\n"), ("print(2)", "3\n"),
                                ("import pathlib\npathlib.Path('third-cell-ran').touch()", "")))
    broken = tmp_path / "b" / "notebooks" / "broken.ipynb"
    broken.write_text("{not json")
    runnable = [tmp_path / "a/notebooks/imports.ipynb", tmp_path / "b/notebooks/imports.ipynb",
                tmp_path / "a/notebooks/practice/imports.ipynb", failing]

    work = tmp_path / "work"
    work.mkdir()
    outcomes = run_notebooks(runnable + [broken], work, 2)

    for path in runnable[:3]:
        seconds = outcomes[path].pop("seconds")
        assert outcomes[path] == {"failed_cell": None, "failure": None, "error": None, "passed": 2}, path
        assert 0 < seconds < 60, seconds
    assert outcomes[failing]["failed_cell"] == 1 and outcomes[failing]["passed"] == 1
    assert "3" in outcomes[failing]["failure"] and outcomes[failing]["error"] is None
    assert not (failing.parent / "third-cell-ran").exists(), "the cells after the first failure still ran"
    assert outcomes[broken]["failed_cell"] is None and "broken.ipynb" in outcomes[broken]["error"]
    ran = [set(json.loads((work / f"report{k}.json").read_text())["notebooks"]) for k in range(2)]
    assert not ran[0] & ran[1] and ran[0] | ran[1] == {str(path) for path in runnable}

