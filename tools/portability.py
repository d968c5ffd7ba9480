"""Run nbval on the notebooks under several emulated machines and every supported Python: the stored outputs must
hold on any ordinary CPU and any Python a learner may use.

Usage:
    python tools/portability.py                      # every variation and every Python, every notebook
    python tools/portability.py -v default -v mix    # only these variations (no Python axis)
    python tools/portability.py -p 3.12              # only this Python (no CPU variations)
    python tools/portability.py notebooks/7-2-batch-size.ipynb ...
    python tools/portability.py --jobs 2             # run two nbval processes at a time
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

Each run is one pytest process (quick profile, --nbval-current-env, the project's sanitize file); its full log
goes to _build/portability/<name>.log and is printed when it fails. Exit status 0 only if every run passed.
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
    """What a Python-axis venv installs: the notebooks' pins and requirements.txt's pins of nbval and pytest."""
    pins = [line.strip() for line in (root / "requirements.txt").read_text().splitlines()
            if re.match(r"(nbval|pytest)==", line.strip())]
    return ["-r", str(root / "requirements-notebooks.txt"), *pins]


def python_venv(version, interpreter, root=ROOT, log=print):
    """_build/pyvenvs/<version>/ with venv_requirements() installed; re-created when they or the interpreter change.
    Returns the venv's python."""
    venv = root / "_build" / "pyvenvs" / version
    python = venv / "bin" / "python"
    key = hashlib.sha256("\n".join([os.path.realpath(interpreter), (root / "requirements.txt").read_text(),
                                    (root / "requirements-notebooks.txt").read_text()]).encode()).hexdigest()
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
    """--in-venv: make (or reuse) the version's venv, then run nbval there with the repository's nndl."""
    python = python_venv(version, interpreter, log=lambda text: print(text, flush=True))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    print(f"nbval with {python} ({subprocess.check_output([str(python), '--version'], text=True).strip()})",
          flush=True)
    return subprocess.run([str(python), "-m", "pytest", *pytest_args], cwd=ROOT, env=env).returncode


def describe(name):
    env = VARIATIONS[name]
    return " ".join(f"{k}={v}" for k, v in env.items()) or "(environment unchanged)"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to check (default: every notebook under notebooks/ "
                        "and notebooks/practice/)")
    parser.add_argument("-v", "--variation", action="append", choices=list(VARIATIONS),
                        help="a variation to run (repeatable; default: all)")
    parser.add_argument("-p", "--python", action="append", choices=supported_pythons(),
                        help="a supported Python version to run (repeatable; default: all found)")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="how many nbval processes run at a time")
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
        return 0
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    both = not args.variation and not args.python
    names = args.variation or (list(VARIATIONS) if both else [])
    pythons = args.python or (supported_pythons() if both else [])
    notebooks = args.notebooks or notebooks_under()
    LOG_DIR.mkdir(parents=True, exist_ok=True)

    jobs = [Job(name, nbval_command(notebooks), variation_env(name),
                about=f"{describe(name)}: nbval on {len(notebooks)} notebooks") for name in names]
    about = {name: describe(name) for name in names}
    for version, interpreter, why in python_axis(pythons):
        print(f"python{version}: {why}{' (' + interpreter + ')' if interpreter else ''}")
        if interpreter and interpreter != sys.executable:
            name = f"python{version}"
            command = [sys.executable, str(Path(__file__).resolve()), "--in-venv", version, interpreter,
                       *nbval_command(notebooks)[3:]]
            about[name] = f"Python {version} in _build/pyvenvs/{version}/ ({interpreter})"
            jobs.append(Job(name, command, variation_env("default"), about=f"{about[name]}: nbval on "
                            f"{len(notebooks)} notebooks"))
    started = time.monotonic()
    outcomes = run_jobs(jobs, LOG_DIR, slots=args.jobs)
    print(f"\nportability: {len(jobs)} runs in {time.monotonic() - started:.0f} s "
          f"(load average {os.getloadavg()[0]:.1f})")
    for name, outcome in outcomes.items():
        print(f"  {name:12s} {'passed' if outcome.passed else 'FAILED':7s} {outcome.seconds:5.0f} s "
              f"({outcome.cpu_seconds:4.0f} s of CPU)   {about[name]}")
    return 0 if all(outcome.passed for outcome in outcomes.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
