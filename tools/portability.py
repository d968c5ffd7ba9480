"""Run nbval on the notebooks under several emulated machines: the stored outputs must hold on any ordinary CPU.

Usage:
    python tools/portability.py                      # every variation, every notebook under notebooks/
    python tools/portability.py -v default -v mix    # only these variations
    python tools/portability.py notebooks/7-2-batch-size.ipynb ...
    python tools/portability.py --jobs 2             # run two nbval processes at a time
    python tools/portability.py --list               # show the variations

A variation is a set of environment variables that changes how the numeric libraries compute:
  OMP_NUM_THREADS    how many threads Paddle's CPU kernels (and MKL) use; summation order changes with it;
  MKL_CBWR           MKL's "conditional numerical reproducibility" branch: COMPATIBLE uses SSE2-only code paths,
                     AVX2 the code paths of a CPU without AVX-512 (what most laptops and CI runners have);
  MKL_ENABLE_INSTRUCTIONS=AVX2   forbids AVX-512 in MKL's dispatcher.
The default variation changes nothing (the machine as it is).

Each run is one pytest process (quick profile, --nbval-current-env, the project's sanitize file); its full log
goes to _build/portability/<variation>.log and is printed when it fails. Exit status 0 only if every run passed.
"""

import argparse
import os
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
    """Every notebook under notebooks/ (new notebooks are picked up automatically)."""
    return sorted(str(p.relative_to(root)) for p in (root / "notebooks").glob("*.ipynb"))


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


def describe(name):
    env = VARIATIONS[name]
    return " ".join(f"{k}={v}" for k, v in env.items()) or "(environment unchanged)"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to check (default: every notebook under notebooks/)")
    parser.add_argument("-v", "--variation", action="append", choices=list(VARIATIONS),
                        help="a variation to run (repeatable; default: all)")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="how many nbval processes run at a time")
    parser.add_argument("--list", action="store_true", help="list the variations and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name in VARIATIONS:
            print(f"{name:12s} {describe(name)}")
        return 0
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    names = args.variation or list(VARIATIONS)
    notebooks = args.notebooks or notebooks_under()
    LOG_DIR.mkdir(parents=True, exist_ok=True)

    jobs = [Job(name, nbval_command(notebooks), variation_env(name),
                about=f"{describe(name)}: nbval on {len(notebooks)} notebooks") for name in names]
    started = time.monotonic()
    outcomes = run_jobs(jobs, LOG_DIR, slots=args.jobs)
    print(f"\nportability: {len(names)} variations in {time.monotonic() - started:.0f} s "
          f"(load average {os.getloadavg()[0]:.1f})")
    for name, outcome in outcomes.items():
        print(f"  {name:12s} {'passed' if outcome.passed else 'FAILED':7s} {outcome.seconds:5.0f} s "
              f"({outcome.cpu_seconds:4.0f} s of CPU)   {describe(name)}")
    return 0 if all(outcome.passed for outcome in outcomes.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
