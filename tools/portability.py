"""Run nbval on the notebooks, and the unit suite (tests/unit), under several emulated machines and every supported
Python: the stored outputs and every unit test's verdict must hold on any ordinary CPU and any Python a learner may
use.

Usage:
    python tools/portability.py                      # every variation and every Python, nbval and the unit suite
    python tools/portability.py -v default -v mix    # only these variations (no Python axis)
    python tools/portability.py -p 3.12              # only this Python (no CPU variations)
    python tools/portability.py -s unit              # only the unit suite (-s nbval: only nbval)
    python tools/portability.py notebooks/7-2-batch-size.ipynb ...   # nbval on these notebooks only
    python tools/portability.py --jobs 2             # run two pytest processes at a time
    python tools/portability.py --list               # show the variations and the Pythons found

A variation is a set of environment variables that changes how the numeric libraries compute:
  OMP_NUM_THREADS    how many threads Paddle's CPU kernels (and MKL) use; summation order changes with it;
  MKL_CBWR           MKL's "conditional numerical reproducibility" branch: COMPATIBLE uses SSE2-only code paths,
                     AVX2 the code paths of a CPU without AVX-512 (what most laptops and CI runners have);
  MKL_ENABLE_INSTRUCTIONS=AVX2   forbids AVX-512 in MKL's dispatcher.
The default variation changes nothing (the machine as it is).

The Python axis: every Python in nndl's supported range (nndl.PYTHON_MIN..PYTHON_MAX, the same range as
pyproject.toml's requires-python) other than this one (the variations above already run on it) is looked for among
pyenv's versions ($PYENV_ROOT/versions/3.X.*, newest patch first) and then as python3.X on PATH; a version not found
prints a "skipped" line. Each found Python gets its own virtual environment under _build/pyvenvs/<3.X>/, created
from the pinned requirements-notebooks.txt plus the pinned nbval and pytest of requirements.txt (re-created when
these files or the interpreter change), and runs nbval on the machine as it is with the repository's nndl
(PYTHONPATH).

Each run is one pytest process. nbval: quick profile, --nbval-current-env, the project's sanitize file, log
_build/portability/<name>.log. The unit suite: `pytest tests/unit` as `make unit` runs it (NNDL_WORKERS is left as
the caller has it: the unit tests choose their own workers), log _build/portability/unit-<name>.log. A Python-axis
venv also gets what the unit suite imports beyond the notebooks' stack (UNIT_EXTRA). A log is printed when its run
fails. Exit status 0 only if every run passed.
"""

import argparse
import ast
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from jobs import Job, run_jobs

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "_build" / "portability"

AVX2 = {"MKL_CBWR": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"}
VARIATIONS = {
    "default": {},
    "omp1": {"OMP_NUM_THREADS": "1"},
    "omp2": {"OMP_NUM_THREADS": "2"},
    "omp4": {"OMP_NUM_THREADS": "4"},
    "compatible": {"MKL_CBWR": "COMPATIBLE"},
    "avx2": dict(AVX2),
    # a laptop without AVX-512 that also runs two threads
    "mix": {**AVX2, "OMP_NUM_THREADS": "2"},
}
# Variables that some variation sets: cleared first so that every run sees exactly its own settings.
CONTROLLED = sorted({key for env in VARIATIONS.values() for key in env})


def notebooks_under(root=ROOT):
    """Every notebook under notebooks/ and the practice notebooks under notebooks/practice/ (tools/make_practice.py),
    as paths relative to `root` (new notebooks are picked up automatically). The one list of the notebooks that
    nbval checks: make test (both passes), make portability, make notebooks and the sensitivity test's control."""
    folder = Path(root) / "notebooks"
    return sorted(str(p.relative_to(root)) for p in [*folder.glob("*.ipynb"), *(folder / "practice").glob("*.ipynb")])


def nbval_command(notebooks, python=sys.executable, extra=()):
    return [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra, *notebooks,
            "--nbval", "--nbval-current-env", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg"]


SUITES = ("nbval", "unit")
# What tests/unit imports beyond requirements-notebooks.txt, nbval and pytest (PyYAML and nbformat come with
# jupyterlab and nbval): Sphinx, for tests/unit/test_profile.py's check of the site's profile table (_ext/profiles.py).
# A Python-axis venv installs these pins of requirements.txt too.
UNIT_EXTRA = ("Sphinx",)


def unit_command(python=sys.executable, extra=()):
    return [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra, "tests/unit"]


def unit_env(name, base=None):
    """The unit suite's environment under a variation: the variation's variables, the quick profile, no progress bars,
    and NNDL_WORKERS as the caller has it (variation_env's choice is for notebooks running side by side)."""
    base = dict(os.environ if base is None else base)
    env = variation_env(name, base)
    env.pop("NNDL_WORKERS", None)
    if "NNDL_WORKERS" in base:
        env["NNDL_WORKERS"] = base["NNDL_WORKERS"]
    return env


def variation_env(name, base=None):
    env = dict(os.environ if base is None else base)
    for key in CONTROLLED:
        env.pop(key, None)
    env.update(VARIATIONS[name])
    env["NNDL_PROFILE"] = "quick"  # the stored outputs are the quick profile's
    env.setdefault("NNDL_PROGRESS", "0")
    # The nbval runs already keep the cores busy, so a second worker would only add its start-up: experiments train
    # in the kernel itself (NNDL_WORKERS=0) when it is single-threaded, and in one worker otherwise. A worker is
    # always single-threaded, as in a user's run; a kernel with more threads would train differently from that, and
    # its idle OpenMP threads spin on a busy machine. nndl.experiment gives bit-identical results in every case.
    env.setdefault("NNDL_WORKERS", "0" if env.get("OMP_NUM_THREADS", "1") == "1" else "1")
    return env


def supported_pythons(root=ROOT):
    """nndl's supported Python versions, read from nndl/__init__.py without importing it: ["3.11", "3.12", ...]."""
    tree = ast.parse((root / "nndl" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple) and \
                [t.id for t in node.targets[0].elts] == ["PYTHON_MIN", "PYTHON_MAX"]:
            (major, low), (_, high) = ast.literal_eval(node.value)
            return [f"{major}.{minor}" for minor in range(low, high + 1)]
    raise RuntimeError("nndl/__init__.py does not set PYTHON_MIN, PYTHON_MAX")


def find_python(version):
    """An interpreter for `version` ("3.12"): pyenv's newest 3.12.* first, then python3.12 on PATH; None if absent."""
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    patch = re.compile(rf"{re.escape(version)}\.(\d+)")
    found = sorted((int(m.group(1)), d) for d in (pyenv.iterdir() if pyenv.is_dir() else ())
                   if (m := patch.fullmatch(d.name)) and (d / "bin" / f"python{version}").is_file())
    if found:
        return str(found[-1][1] / "bin" / f"python{version}")
    return shutil.which(f"python{version}")


def venv_requirements(root=ROOT):
    """What a Python-axis venv installs: the notebooks' pins and requirements.txt's pins of nbval, pytest and
    UNIT_EXTRA."""
    names = "|".join(re.escape(name) for name in ("nbval", "pytest", *UNIT_EXTRA))
    pins = [line.strip() for line in (root / "requirements.txt").read_text().splitlines()
            if re.match(rf"({names})==", line.strip())]
    return ["-r", str(root / "requirements-notebooks.txt"), *pins]


def python_venv(version, interpreter, root=ROOT, log=print):
    """_build/pyvenvs/<version>/ with venv_requirements() installed; re-created when they or the interpreter change.
    Returns the venv's python."""
    venv = root / "_build" / "pyvenvs" / version
    python = venv / "bin" / "python"
    key = hashlib.sha256("\n".join([os.path.realpath(interpreter), (root / "requirements.txt").read_text(),
                                    (root / "requirements-notebooks.txt").read_text(),
                                    *venv_requirements(root)]).encode()).hexdigest()
    stamp = venv / ".installed"
    if python.is_file() and stamp.is_file() and stamp.read_text() == key:
        log(f"{venv}: up to date")
        return python
    started = time.monotonic()
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([interpreter, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-compile", *venv_requirements(root)],
                   check=True)  # --no-compile: what is imported gets compiled anyway, the rest of Paddle need not be
    stamp.write_text(key)
    log(f"{venv}: created with {interpreter} in {time.monotonic() - started:.0f} s")
    return python


def python_axis(versions, root=ROOT):
    """[(version, interpreter or None, why)] for each requested version other than the running one."""
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    rows = []
    for version in versions:
        if version == here:
            rows.append((version, sys.executable, "this Python: the CPU variations run on it"))
        else:
            interpreter = find_python(version)
            rows.append((version, interpreter, "found" if interpreter else "skipped: not found (pyenv, PATH)"))
    return rows


def in_venv(version, interpreter, pytest_args):
    """--in-venv: make (or reuse) the version's venv, then run pytest (nbval or the unit suite) there with the
    repository's nndl."""
    python = python_venv(version, interpreter, log=lambda text: print(text, flush=True))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    print(f"pytest with {python} ({subprocess.check_output([str(python), '--version'], text=True).strip()})",
          flush=True)
    return subprocess.run([str(python), "-m", "pytest", *pytest_args], cwd=ROOT, env=env).returncode


def describe(name):
    env = VARIATIONS[name]
    return " ".join(f"{k}={v}" for k, v in env.items()) or "(environment unchanged)"


def plan(names, pythons, notebooks, suites=SUITES):
    """The runs: for each variation name and each found Python other than this one, an nbval run and a unit-suite run
    (those of `suites`). Returns (jobs, {job name: what it runs on})."""
    jobs, about = [], {}
    for name in names:
        if "nbval" in suites:
            about[name] = describe(name)
            jobs.append(Job(name, nbval_command(notebooks), variation_env(name),
                            about=f"{describe(name)}: nbval on {len(notebooks)} notebooks"))
        if "unit" in suites:
            about[f"unit-{name}"] = describe(name)
            jobs.append(Job(f"unit-{name}", unit_command(), unit_env(name), about=f"{describe(name)}: tests/unit"))
    for version, interpreter, why in python_axis(pythons):
        print(f"python{version}: {why}{' (' + interpreter + ')' if interpreter else ''}")
        if not interpreter or interpreter == sys.executable:
            continue
        where = f"Python {version} in _build/pyvenvs/{version}/ ({interpreter})"
        in_venv_job = [sys.executable, str(Path(__file__).resolve()), "--in-venv", version, interpreter]
        if "nbval" in suites:
            name = f"python{version}"
            about[name] = where
            jobs.append(Job(name, in_venv_job + nbval_command(notebooks)[3:], variation_env("default"),
                            about=f"{where}: nbval on {len(notebooks)} notebooks"))
        if "unit" in suites:
            name = f"unit-python{version}"
            about[name] = where
            jobs.append(Job(name, in_venv_job + unit_command()[3:], unit_env("default"), about=f"{where}: tests/unit"))
    return jobs, about


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to check (default: every notebook under notebooks/ "
                        "and notebooks/practice/)")
    parser.add_argument("-v", "--variation", action="append", choices=list(VARIATIONS),
                        help="a variation to run (repeatable; default: all)")
    parser.add_argument("-p", "--python", action="append", choices=supported_pythons(),
                        help="a supported Python version to run (repeatable; default: all found)")
    parser.add_argument("-s", "--suite", action="append", choices=SUITES,
                        help="nbval or unit (repeatable; default: both)")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="how many pytest processes run at a time")
    parser.add_argument("--list", action="store_true", help="list the variations and the Pythons, and exit")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--in-venv"]:  # one job of the Python axis, started below: --in-venv VERSION PYTHON PYTEST-ARGS...
        return in_venv(argv[1], argv[2], argv[3:])
    args = parser.parse_args(argv)
    if args.list:
        for name in VARIATIONS:
            print(f"{name:12s} {describe(name)}")
        for version, interpreter, why in python_axis(supported_pythons()):
            print(f"{'python' + version:12s} {interpreter or '':40s} {why}")
        print(f"each of them runs: {', '.join(SUITES)} (-s to choose)")
        return 0
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    both = not args.variation and not args.python
    names = args.variation or (list(VARIATIONS) if both else [])
    pythons = args.python or (supported_pythons() if both else [])
    jobs, about = plan(names, pythons, args.notebooks or notebooks_under(), tuple(args.suite or SUITES))
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    outcomes = run_jobs(jobs, LOG_DIR, slots=args.jobs)
    print(f"\nportability: {len(jobs)} runs in {time.monotonic() - started:.0f} s "
          f"(load average {os.getloadavg()[0]:.1f})")
    for name, outcome in outcomes.items():
        print(f"  {name:18s} {'passed' if outcome.passed else 'FAILED':7s} {outcome.seconds:5.0f} s "
              f"({outcome.cpu_seconds:4.0f} s of CPU)   {about[name]}")
    return 0 if all(outcome.passed for outcome in outcomes.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
