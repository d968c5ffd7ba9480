"""pytest plugin for tests/system/test_sensitivity.py: nbval on many notebooks, each in its own project copy, in a few
pytest processes instead of one process per notebook (a pytest start with nbval costs about 2.5 core-seconds).

    python -m pytest -p nbval_worklist --nbval --nbval-current-env COPY_A/notebooks/x.ipynb COPY_B/notebooks/y.ipynb

- Each notebook's kernel imports the nndl of the copy that holds the notebook (the folder that holds its notebooks/,
  also for notebooks/practice/): PYTHONPATH starts with that copy when the kernel starts (the kernel inherits this
  process's environment; nbval starts one kernel per notebook).
- A notebook stops at its first failing cell (like -x, but per notebook: the other notebooks still run).
- Processes given the same NNDL_WORKLIST_CLAIMS directory share the notebooks as a queue: each notebook runs in the
  first process that reaches it, and the others skip its cells without starting a kernel.
- What happened to each notebook that ran here is written as JSON to NNDL_WORKLIST_REPORT:
  {"notebooks": {path: {"failed_cell": index or null, "failure": nbval's report of that cell, "error": a kernel
  that did not start or stop, "passed": cells passed, "seconds": wall time from its kernel's start to its last
  cell}}, "collect_errors": [...]}.
"""

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

INHERITED_PYTHONPATH = os.environ.get("PYTHONPATH", "")
_outcomes = {}  # the notebooks this process runs
_elsewhere = set()  # the notebooks another process claimed first
_collect_errors = []
_started = {}  # notebook -> time.monotonic() when its first cell was set up


def _notebook(item):
    return str(Path(item.path).resolve())


def copy_of(notebook):
    """The project copy that holds `notebook`: the parent of its nearest enclosing folder named notebooks (a practice
    notebook sits one level deeper, in notebooks/practice/)."""
    folder = Path(notebook).parent
    return next((p.parent for p in [folder, *folder.parents] if p.name == "notebooks"), folder.parent)


def _claim(notebook):
    """True if this process is the first to claim `notebook` (atomic: O_EXCL)."""
    claims = os.environ.get("NNDL_WORKLIST_CLAIMS")
    if not claims:
        return True
    name = hashlib.sha1(notebook.encode()).hexdigest()
    try:
        os.close(os.open(os.path.join(claims, name), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def run_notebooks(notebooks, workdir, jobs, **env):
    """nbval on `notebooks` (each inside a project copy) in `jobs` pytest processes that share them as a queue
    (this plugin), with the environment variables `env` added: each kernel imports its copy's nndl, each notebook
    stops at its first failing cell. Returns {notebook: {"failed_cell", "failure", "error", "passed", "seconds"}}; a
    notebook no process reported on (a collection error, a crashed process) maps to {"error": what the processes
    printed}."""
    workdir = Path(workdir)
    (workdir / "claims").mkdir()
    env = {**os.environ, **env, "NNDL_WORKLIST_CLAIMS": str(workdir / "claims")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(HERE), env.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "nbval_worklist",
               "-c", str(HERE.parent / "pyproject.toml"), "--rootdir", os.path.commonpath([workdir, *notebooks]),
               "--continue-on-collection-errors", "--nbval", "--nbval-current-env",
               "--nbval-sanitize-with", str(HERE / "nbval_sanitize.cfg"), *map(str, notebooks)]
    processes = []
    for k in range(jobs):  # output to files: a full pipe would stall a process that the other one is waiting for
        files = workdir / f"report{k}.json", workdir / f"output{k}.txt"
        with open(files[1], "w") as output:
            processes.append((files, subprocess.Popen(command, cwd=workdir, stdout=output, stderr=subprocess.STDOUT,
                                                      env={**env, "NNDL_WORKLIST_REPORT": str(files[0])})))
    outcomes, problems = {}, []
    for (report, output), process in processes:
        process.wait()
        if report.is_file():
            data = json.loads(report.read_text(encoding="utf-8"))
            outcomes.update(data["notebooks"])
            problems += data["collect_errors"]
        else:
            problems.append(f"pytest exited with {process.returncode} and no report:\n"
                            + output.read_text(encoding="utf-8")[-3000:])
    missing = {"failed_cell": None, "failure": None, "passed": 0, "seconds": 0.0,
               "error": "no process ran this notebook:\n" + "\n".join(problems)}
    return {notebook: outcomes.get(str(Path(notebook).resolve()), dict(missing)) for notebook in notebooks}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before nbval starts the notebook's kernel (the first cell's setup): claim the notebook, point PYTHONPATH at its
    copy. Later cells: skip them once one has failed. A skip raised here comes before the kernel is started."""
    notebook = _notebook(item)
    if notebook in _elsewhere:
        pytest.skip("another process runs this notebook")
    if notebook not in _outcomes:
        if not _claim(notebook):
            _elsewhere.add(notebook)
            pytest.skip("another process runs this notebook")
        _outcomes[notebook] = {"failed_cell": None, "failure": None, "error": None, "passed": 0, "seconds": 0.0}
        _started[notebook] = time.monotonic()
        copy = copy_of(notebook)
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(copy), INHERITED_PYTHONPATH) if p)
    outcome = _outcomes[notebook]
    if outcome["failed_cell"] is not None or outcome["error"] is not None:
        pytest.skip("an earlier cell of this notebook failed")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    outcome = _outcomes.get(_notebook(item))
    if outcome is None or report.skipped:
        return
    outcome["seconds"] = time.monotonic() - _started[_notebook(item)]
    if report.failed and report.when == "call":
        outcome["failed_cell"] = item.cell_num
        outcome["failure"] = report.longreprtext
    elif report.failed:  # the kernel did not start or stop: not a cell's verdict
        outcome["error"] = f"{report.when} of {item.name}: {report.longreprtext}"
    elif report.when == "call":
        outcome["passed"] += 1


def pytest_collectreport(report):
    if report.failed:
        _collect_errors.append(f"{report.nodeid}: {report.longreprtext}")


def pytest_sessionfinish(session):
    path = os.environ.get("NNDL_WORKLIST_REPORT")
    if path:
        Path(path).write_text(json.dumps({"notebooks": _outcomes, "collect_errors": _collect_errors},
                                         ensure_ascii=False, indent=1), encoding="utf-8")
