"""tools/portability.py plans, for every emulated machine and every other supported Python, an nbval run and a run of
the unit suite (the runs themselves are `make portability`; here only what it would start)."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import portability  # noqa: E402

NOTEBOOKS = ["notebooks/a.ipynb", "notebooks/b.ipynb"]


def by_name(jobs):
    return {job.name: job for job in jobs}


def test_each_variation_runs_nbval_and_the_unit_suite(monkeypatch):
    monkeypatch.setenv("NNDL_WORKERS", "3")  # the caller's choice reaches the unit suite, not nbval
    jobs, about = portability.plan(["omp2", "avx2"], [], NOTEBOOKS)
    jobs = by_name(jobs)
    assert list(jobs) == ["omp2", "unit-omp2", "avx2", "unit-avx2"] and set(about) == set(jobs)
    assert jobs["omp2"].command == portability.nbval_command(NOTEBOOKS)
    assert jobs["omp2"].env == portability.variation_env("omp2")
    assert jobs["unit-omp2"].command == [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/unit"]
    assert jobs["unit-omp2"].env["OMP_NUM_THREADS"] == "2" and jobs["unit-omp2"].env["NNDL_PROFILE"] == "quick"
    assert jobs["unit-omp2"].env["NNDL_WORKERS"] == "3"
    assert jobs["unit-avx2"].env["MKL_CBWR"] == "AVX2" and "OMP_NUM_THREADS" not in jobs["unit-avx2"].env
    monkeypatch.delenv("NNDL_WORKERS")
    assert "NNDL_WORKERS" not in portability.unit_env("omp2")  # the unit tests choose their own workers
    assert portability.variation_env("omp2")["NNDL_WORKERS"] == "1"  # nbval's choice is unchanged


def test_each_other_python_runs_both_in_its_venv(monkeypatch):
    monkeypatch.setattr(portability, "python_axis",
                        lambda versions: [(v, f"/opt/python{v}", "found") for v in versions])
    jobs = by_name(portability.plan([], ["3.12"], NOTEBOOKS)[0])
    assert list(jobs) == ["python3.12", "unit-python3.12"]
    unit = jobs["unit-python3.12"].command
    assert unit[2:5] == ["--in-venv", "3.12", "/opt/python3.12"] and unit[5:] == ["-q", "-p", "no:cacheprovider",
                                                                                 "tests/unit"]
    assert NOTEBOOKS[0] in jobs["python3.12"].command and "--nbval" in jobs["python3.12"].command


@pytest.mark.parametrize("suites, names", [(("unit",), ["unit-mix"]), (("nbval",), ["mix"])])
def test_one_suite_alone(suites, names):
    assert [job.name for job in portability.plan(["mix"], [], NOTEBOOKS, suites)[0]] == names


def test_a_python_venv_installs_what_the_unit_suite_imports():
    requirements = portability.venv_requirements()
    pins = (ROOT / "requirements.txt").read_text().splitlines()
    for name in ("nbval", "pytest", "Sphinx"):  # Sphinx: tests/unit/test_profile.py imports _ext/profiles.py
        assert [line for line in pins if line.startswith(f"{name}==")][0] in requirements
