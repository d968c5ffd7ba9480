"""The 7.2 recipe (nndl.sections.s7_2_batch_size, also reachable as nndl.sweep): the parallel batch-size sweep (a user of nndl.experiment) equals a sequential run bit for bit, resumes
from its checkpoints, and fails loudly without losing results. The command line's interruptions: test_sweep_cli.py."""

import pytest

from nndl.experiment import CheckpointError, Config
from nndl.experiment.store import CheckpointStore
from nndl.profile import sizes
from nndl.sections.s7_2_batch_size import (BATCH_SIZES, KILL_HOOK_ENV, LEARNING_RATES, SweepError, run_configuration,
                                           sweep)
from nndl.sections.s7_2_batch_size.parallel import configurations

TINY = {"num_samples": 384, "num_epochs": 2}


@pytest.fixture(scope="module")
def parallel():
    # Three configurations on two workers: the scheduler moves configurations between processes at epoch boundaries.
    return sweep(batch_sizes=(16, 64, 128), learning_rates=(0.01, 0.04, 0.08), workers=2, **TINY)


def test_parallel_sweep_equals_a_sequential_run_exactly(parallel):
    assert parallel.workers == 2 and not parallel.failures
    for run in parallel.runs:
        epoch_losses, step_losses = run_configuration(run["batch_size"], run["learning_rate"], **TINY)
        assert run["finished"]
        assert run["train_epoch_losses"] == epoch_losses  # exact float equality, every epoch
        assert run["train_step_losses"] == step_losses  # every (global_step, loss)
        assert len(step_losses) == TINY["num_epochs"] * -(-TINY["num_samples"] // run["batch_size"])


def test_records_time_and_memory(parallel):
    assert parallel.wall_time > 0
    for run in parallel.runs:
        assert run["seconds"] > 0 and 100 < run["peak_rss_mb"] < 1536


def test_profiles():
    assert sizes("7.2", "full") == {"num_samples": 60000, "num_epochs": 30}  # exactly the book
    assert sizes("7.2", "quick")["num_samples"] < 60000
    assert BATCH_SIZES == (16, 32, 64, 128, 256) and LEARNING_RATES == (0.01, 0.02, 0.04, 0.08, 0.16)
    with pytest.raises(ValueError, match="profile 必须是 'quick', 'full' 之一，收到 'fast'"):
        sizes("7.2", "fast")
    with pytest.raises(ValueError, match="收到 'fast'"):
        sweep(profile="fast")


def test_resumes_from_checkpoints_bit_for_bit(parallel, tmp_path):
    """Stop after one epoch (as an interrupt would), run the same call again: it continues to the same losses."""
    kwargs = dict(batch_sizes=(16, 64, 128), learning_rates=(0.01, 0.04, 0.08), workers=2, progress=False)
    first = sweep(**kwargs, num_samples=TINY["num_samples"], num_epochs=1, out_dir=tmp_path)
    assert [len(run["train_epoch_losses"]) for run in first.runs] == [1, 1, 1]
    # The same settings with one epoch more are "other settings": the runner refuses them, naming num_epochs.
    with pytest.raises(CheckpointError, match="num_epochs"):
        sweep(**kwargs, **TINY, out_dir=tmp_path)
    # Rewrite the checkpoints as if the 2-epoch run had been interrupted after its first epoch, then resume it.
    for config in configurations((16, 64, 128), (0.01, 0.04, 0.08), TINY["num_samples"], 1, 0):
        store = CheckpointStore(tmp_path)
        data = store.load(config)
        longer = Config(config.name, config.build, {**config.params, "num_epochs": 2}, units=2, seed=0)
        store.remove(config)
        store.save(longer, data["records"], data["state"], data["seconds"], data["unit_cost"])
    resumed = sweep(**kwargs, **TINY, out_dir=tmp_path)
    for a, b in zip(resumed.runs, parallel.runs):
        assert a["finished"]
        assert a["train_epoch_losses"] == b["train_epoch_losses"] and a["train_step_losses"] == b["train_step_losses"]


@pytest.mark.parametrize("workers, error", [(0, ValueError), (-1, ValueError), (1.5, TypeError), (True, TypeError)])
def test_workers_below_one_are_rejected(workers, error):
    with pytest.raises(error, match="workers"):
        sweep(workers=workers, **TINY)


def test_mismatched_lengths_are_rejected():
    with pytest.raises(ValueError, match="batch_sizes 有 3 个、learning_rates 有 2 个"):
        sweep(batch_sizes=(16, 32, 64), learning_rates=(0.01, 0.02), **TINY)


@pytest.mark.parametrize("kwargs, word", [({"batch_sizes": (0,), "learning_rates": (0.1,)}, "batch_sizes"),
                                          ({"batch_sizes": (16,), "learning_rates": (-0.1,)}, "learning_rates"),
                                          ({"num_samples": 60001}, "num_samples"),
                                          ({"num_epochs": 0}, "num_epochs")])
def test_other_bad_input_is_named(kwargs, word):
    with pytest.raises(ValueError, match=word):
        sweep(**{**TINY, **kwargs})


def test_a_killed_worker_names_its_configuration_and_keeps_the_others(monkeypatch):
    monkeypatch.setenv(KILL_HOOK_ENV, "64")  # the worker that receives batch size 64 SIGKILLs itself (as the OOM killer would)
    with pytest.raises(SweepError, match="个配置没有训练完") as info:
        sweep(batch_sizes=(16, 64, 128), learning_rates=(0.01, 0.04, 0.08), workers=2, **TINY)
    message = str(info.value)
    assert "batch_size=64, lr=0.04" in message and "SIGKILL" in message
    runs = info.value.results.runs
    assert [run["finished"] for run in runs] == [True, False, True]
    assert list(info.value.results.failures) == [1]
    for run in (runs[0], runs[2]):  # the configurations that finished are kept, and are right
        epoch_losses, _ = run_configuration(run["batch_size"], run["learning_rate"], **TINY)
        assert run["train_epoch_losses"] == epoch_losses


def test_an_exception_in_a_worker_names_the_configuration(tmp_path, monkeypatch):
    monkeypatch.setenv("NNDL_MNIST_DIR", str(tmp_path))  # no MNIST files there: the worker raises MnistFileError
    with pytest.raises(SweepError, match=r"batch_size=32, lr=0\.02：[\s\S]*MnistFileError"):
        sweep(batch_sizes=(32,), learning_rates=(0.02,), workers=1, **TINY)

