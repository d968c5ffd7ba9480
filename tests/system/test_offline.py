"""A learner beyond the repository (`make offline`; CI runs it after `make test`, it is not part of `make test`).

What a learner does with the site's downloads, in a fresh directory outside the repository:
1. take the three files the intro page links to (the nndl wheel, requirements.txt, the notebooks' archive) from the
   built site (built first when missing or stale, as the browser test does: tests/system/test_site.py);
2. a fresh virtual environment: `pip install -r requirements.txt nndl-<version>-py3-none-any.whl` (plus the pinned
   nbval and pytest of the repository's requirements.txt, to check the notebooks);
3. nbval on notebooks taken from the archive (7.2, 7.3.4, 7.5, 7.6: MNIST, the video, the experiment runner), run
   in that directory with the installed nndl: the stored outputs hold there too;
4. a practice notebook from the archive's practice/ folder (tools/make_practice.py) runs top to bottom with the
   installed nndl, each check reporting "not yet written"; with the answers typed in (the solved variant: each
   skeleton replaced by the source its section page shows) each check reports "passed";
5. nndl uninstalled (and then an nndl of another version): each of those notebooks, and the practice notebook, stops
   at its first code cell with the message that gives the install command, and no later cell runs.

The wheel itself is checked too: its version, its Requires-Python, its run-time dependencies (not the test stack),
and that it holds every module of nndl/, the MNIST files and the stored book-scale results (data/results/). Each step
prints its time.
"""

import email.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest

import nndl
from nndl.sections.experiments import EXPERIMENTS
import test_site

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import make_practice  # noqa: E402
import portability  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ["7-2-batch-size", "7-3-4-3d-comparison", "7-5-normalization", "7-6-regularization"]
PRACTICE = "7-3-3-momentum-adam"  # the practice notebook a learner opens here
INTRO = "book/intro.html"
WHEEL = f"nndl-{nndl.__version__}-py3-none-any.whl"
# What the notebooks need is in the wheel's dependencies; none of the test or site-building stack may be.
NOT_AT_RUN_TIME = {"pytest", "nbval", "nbclient", "selenium", "jupyter-book", "sphinx", "myst-nb", "setuptools"}


def timed(label, func, *args, **kwargs):
    started = time.monotonic()
    result = func(*args, **kwargs)
    print(f"\n[offline] {label}: {time.monotonic() - started:.0f} s", flush=True)
    return result


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "nndl-download" in (attrs.get("class") or "").split():
            self.hrefs.append(attrs["href"])


def clean_env(**extra):
    """The environment of a learner's shell: nothing of this repository's .venv or PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(NNDL_PROFILE="quick", NNDL_PROGRESS="0", NNDL_WORKERS="0", **extra)
    return env


def run(command, cwd, **kwargs):
    result = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, command))} 失败：\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def site():
    if not test_site.site_is_current():
        timed("build the site", test_site.build_site)
    return test_site.HTML


@pytest.fixture(scope="module")
def workdir():
    path = Path(tempfile.mkdtemp(prefix="nndl-offline-"))
    assert ROOT not in path.parents
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def downloads(site, workdir):
    """The files the intro page links to, copied as a browser would save them: {file name: path}."""
    page = site / INTRO
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    assert len(parser.hrefs) == 3, f"{INTRO} 应当有三个下载链接，实际：{parser.hrefs}"
    saved = workdir / "downloads"
    saved.mkdir()
    files = {}
    for href in parser.hrefs:
        target = (page.parent / urlsplit(href).path).resolve()
        assert target.is_file() and site.resolve() in target.parents, f"链接 {href} 指向的文件不在网站里：{target}"
        files[target.name] = shutil.copy2(target, saved / target.name)
    return files


@pytest.fixture(scope="module")
def venv(downloads, workdir):
    """A fresh venv outside the repository with the site's wheel and pinned requirements (and nbval, pytest).
    --no-compile: Python compiles what it imports anyway; compiling all of Paddle up front cost a third more time
    (measured: 75 s against 55 s for this install on the project's machine)."""
    base = getattr(sys, "_base_executable", sys.executable)
    path = workdir / "venv"
    timed("create the venv", run, [base, "-m", "venv", path], workdir)
    python = path / "bin" / "python"
    pins = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
            if re.match(r"(nbval|pytest)==", line.strip())]
    timed("pip install -r requirements.txt + the wheel (+ nbval, pytest)", run,
          [python, "-m", "pip", "install", "--quiet", "--no-compile", "-r", downloads["requirements.txt"],
           downloads[WHEEL], *pins],
          workdir / "downloads", env=clean_env())
    return python


@pytest.fixture(scope="module")
def notebooks(downloads, workdir):
    """The notebooks unpacked from the site's archive, where a learner would put them."""
    archive = next(path for name, path in downloads.items() if name.endswith(".zip"))
    with zipfile.ZipFile(archive) as z:
        z.extractall(workdir)
    folder = workdir / f"nndl-notebooks-{nndl.__version__}"
    assert sorted(p.name for p in folder.glob("*.ipynb")) == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    for name in NOTEBOOKS:
        assert (folder / f"{name}.ipynb").read_bytes() == (ROOT / "notebooks" / f"{name}.ipynb").read_bytes()
    assert (folder / "requirements.txt").read_bytes() == (ROOT / "requirements-notebooks.txt").read_bytes()
    shipped = {p.name: p.read_bytes() for p in (folder / "practice").glob("*.ipynb")}
    assert shipped and shipped == {p.name: p.read_bytes() for p in (ROOT / "notebooks" / "practice").glob("*.ipynb")}
    return folder


def test_requirements_are_the_pinned_ones(downloads):
    assert downloads["requirements.txt"].read_bytes() == (ROOT / "requirements-notebooks.txt").read_bytes()


def test_wheel_holds_nndl_and_mnist_and_says_what_it_needs(downloads):
    with zipfile.ZipFile(downloads[WHEEL]) as wheel:
        names = set(wheel.namelist())
        metadata = email.parser.Parser().parsestr(
            wheel.read(f"nndl-{nndl.__version__}.dist-info/METADATA").decode())
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "nndl").rglob("*.py")}
    assert modules - names == set(), "wheel 里缺少这些模块"
    mnist = {f"nndl/mnist/{p.name}" for p in (ROOT / "data" / "mnist").glob("*.gz")}
    assert len(mnist) == 4 and mnist <= names
    stored = {f"nndl/results_data/{p.name}" for p in (ROOT / "data" / "results").glob("*.json")}
    assert len(stored) >= len(EXPERIMENTS) and stored - names == set(), "wheel 里缺少书中规模的保存结果"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert metadata["Version"] == nndl.__version__
    assert sorted(metadata["Requires-Python"].split(",")) == sorted(project["requires-python"].split(","))
    requires = {re.split(r"[<>=!~ ;\[]", r, maxsplit=1)[0].lower() for r in metadata.get_all("Requires-Dist")}
    assert {"paddlepaddle", "numpy", "matplotlib"} <= requires
    assert not requires & NOT_AT_RUN_TIME


@pytest.mark.parametrize("version", [f"{nndl.PYTHON_MIN[0]}.{nndl.PYTHON_MIN[1] - 1}",
                                     f"{nndl.PYTHON_MAX[0]}.{nndl.PYTHON_MAX[1] + 1}"])
def test_pip_refuses_the_wheel_on_an_unsupported_python(downloads, version, workdir):
    """What a learner on another Python sees from pip: the wheel's Requires-Python, naming the supported range."""
    python = portability.find_python(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    result = subprocess.run([python, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-index", downloads[WHEEL]],
                            cwd=workdir, capture_output=True, text=True, env=clean_env())
    assert result.returncode != 0
    low, high = ">={}.{}".format(*nndl.PYTHON_MIN), "<{}.{}".format(nndl.PYTHON_MAX[0], nndl.PYTHON_MAX[1] + 1)
    stated = re.search(r"requires a different Python: [\d.]+ not in '([^']+)'", result.stderr)
    assert stated and sorted(stated.group(1).split(",")) == sorted([low, high]), result.stderr


def test_installed_nndl_is_the_wheel_with_its_mnist_and_stored_results(venv, workdir):
    code = ("import nndl, nndl.data, nndl.results; print(nndl.__version__); print(nndl.__file__); "
            "print(nndl.data.DATA_DIR); print(nndl.data.load_mnist_arrays('test', 10)[1].tolist()); "
            "print(nndl.results.DATA_DIR); book = nndl.results.stored('7.6-regularization'); "
            "print(sorted(book) == sorted(c.name for c in nndl.results.stored('7.6-regularization').configs), "
            "book['none'].trainable() is not None)")
    out = run([venv, "-c", code], workdir, env=clean_env()).stdout.splitlines()
    version, module, data_dir, labels, results_dir, loaded = out[-6:]
    site_packages = workdir / "venv" / "lib"
    assert version == nndl.__version__
    assert Path(module).is_relative_to(site_packages) and Path(data_dir) == Path(module).parent / "mnist"
    assert labels == "[7, 2, 1, 0, 4, 1, 4, 9, 5, 9]"  # the test set's first labels (data/mnist/README.md)
    assert Path(results_dir) == Path(module).parent / "results_data" and loaded == "True True"


def test_notebooks_pass_nbval_with_the_installed_wheel(venv, notebooks, workdir):
    sanitize = shutil.copy2(ROOT / "tests" / "nbval_sanitize.cfg", workdir / "nbval_sanitize.cfg")
    command = [venv, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env",
               "--nbval-sanitize-with", sanitize, *[notebooks / f"{name}.ipynb" for name in NOTEBOOKS]]
    result = timed(f"nbval on {len(NOTEBOOKS)} notebooks", subprocess.run, [str(c) for c in command], cwd=workdir,
                   capture_output=True, text=True, env=clean_env())
    assert result.returncode == 0, result.stdout[-6000:]


# Runs in the venv: execute a notebook like Jupyter would, report what each practice check cell displayed.
CHECK_OUTPUTS = r"""
import json, sys
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
print(json.dumps({c.id: [o.get("data", {}).get("text/plain", o.get("text", "")) for o in c.outputs]
                  for c in nb.cells if "practice-check" in c.metadata.get("tags", [])}, ensure_ascii=False))
"""


def check_outputs(venv, path, workdir):
    out = run([venv, "-c", CHECK_OUTPUTS, path, path.parent], workdir, env=clean_env()).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_practice_notebook_says_not_yet_written_then_passes_with_the_answers(venv, notebooks, workdir):
    """A learner opens a practice notebook from the archive: it runs top to bottom, each check says what is not
    written yet; with the answers typed into the skeleton cells (the solved variant), each check says it passed."""
    path = notebooks / "practice" / f"{PRACTICE}.ipynb"
    handed_out = timed(f"run practice/{PRACTICE}", check_outputs, venv, path, workdir)
    assert handed_out and all(len(texts) == 1 and texts[0].startswith("还没有写：") for texts in handed_out.values()), \
        handed_out
    answered = path.with_name(f"{PRACTICE}-answered.ipynb")
    nbformat.write(make_practice.solved(nbformat.read(path, as_version=4), PRACTICE), answered)
    passed = timed(f"run practice/{PRACTICE} with the answers in", check_outputs, venv, answered, workdir)
    assert passed.keys() == handed_out.keys()
    assert all(len(texts) == 1 and texts[0].startswith("通过：") for texts in passed.values()), passed


# Runs in the venv: execute each notebook like Jupyter would and report where it stopped and why.
EXECUTE = r"""
import json, sys
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
report = {}
for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3").execute()
        report[path] = None
    except CellExecutionError as error:
        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        ran = [i for i in code if nb.cells[i].execution_count is not None]
        failed = [i for i in code if any(o.get("output_type") == "error" for o in nb.cells[i].outputs)]
        errors = [o for i in failed for o in nb.cells[i].outputs if o.get("output_type") == "error"]
        report[path] = {"first_code_cell": code[0], "ran": ran, "failed": failed,
                        "ename": errors[0]["ename"] if errors else None, "evalue": errors[0]["evalue"] if errors else ""}
print(json.dumps(report, ensure_ascii=False))
"""


def stops_at_first_cell(venv, notebooks, workdir, env):
    paths = [str(notebooks / f"{name}.ipynb") for name in NOTEBOOKS + [f"practice/{PRACTICE}"]]
    out = run([venv, "-c", EXECUTE, *paths], notebooks, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def expected_command():
    return f"pip install -r requirements.txt {WHEEL}"


def test_without_nndl_each_notebook_stops_at_its_first_cell_with_the_command(venv, notebooks, workdir):
    run([venv, "-m", "pip", "uninstall", "--yes", "nndl"], workdir, env=clean_env())
    report = timed("run the notebooks without nndl", stops_at_first_cell, venv, notebooks, workdir, clean_env())
    for path, stop in report.items():
        assert stop is not None, f"{path} 在没有 nndl 时运行完了"
        assert stop["ran"] == stop["failed"] == [stop["first_code_cell"]], (path, stop)
        assert stop["ename"] == "ImportError"
        assert f"本页需要 nndl {nndl.__version__}（当前：没有 nndl）" in stop["evalue"]
        assert expected_command() in stop["evalue"] and f"Python {nndl.PYTHON_RANGE}" in stop["evalue"]


def test_with_another_nndl_version_each_notebook_stops_with_the_command(venv, notebooks, workdir):
    fake = workdir / "other-nndl"
    (fake / "nndl").mkdir(parents=True)
    (fake / "nndl" / "__init__.py").write_text('__version__ = "0.0.1"\n')
    report = stops_at_first_cell(venv, notebooks, workdir, clean_env(PYTHONPATH=str(fake)))
    for path, stop in report.items():
        assert stop is not None and stop["ran"] == [stop["first_code_cell"]], (path, stop)
        assert f"本页需要 nndl {nndl.__version__}（当前：nndl 0.0.1）" in stop["evalue"]
        assert expected_command() in stop["evalue"]
