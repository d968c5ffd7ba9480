"""nndl.experiment: every record is bit-identical however the work is split, moved or resumed; failures,
bad checkpoints and bad input are reported by name and never lose finished work.

Exact equality (==) of float losses is the point: the runner promises bit-identical records, not close ones.
"""

import errno
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import experiment_builders
from processes import group_is_gone
import nndl.experiment.config as config_module
import nndl.experiment.driver as driver
import nndl.experiment.store as store_module
from nndl.experiment import (CheckpointError, Config, ExperimentError, LayerTrainable, Results, mnist_tensors, run,
                             runs_dir, unit_seed)
from nndl.experiment.pool import Live, single_threaded
from nndl.experiment.progress import progress_mode
from nndl.experiment.scheduler import Status, all_done, choose_next, remaining_cost, simulate
from nndl.experiment.store import CheckpointStore, file_name

ROOT = Path(__file__).resolve().parents[2]
TESTS = Path(__file__).resolve().parents[1]  # tests/: experiment_builders.py
UNITS = 3
CONFIGS = [
    Config("cnn-sgd", "experiment_builders:tiny_cnn", {"units": UNITS}, units=UNITS, seed=1),
    Config("mlp-adam-shuffle", "experiment_builders:adam_mlp", {"units": UNITS}, units=UNITS, seed=2),
    Config("mlp-dropout", "experiment_builders:dropout_mlp", {"units": UNITS}, units=UNITS, seed=3),
    Config("raw-paddle-state", "experiment_builders:raw_adam", {"units": UNITS}, units=UNITS, seed=4),
]


def assert_same_state(a, b, where="state"):
    """Bit-identical nested state: same keys, same dtypes and shapes, equal arrays (NaN == NaN)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for key in a:
            assert_same_state(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert a.tobytes() == b.tobytes(), where
    else:
        assert a == b, where


@pytest.fixture(scope="module")
def reference():
    """Every configuration in this process (workers=0), uninterrupted: the results everything else must equal."""
    return run(CONFIGS, workers=0, progress=False)


def test_reference_is_a_real_training_run(reference):
    assert isinstance(reference, Results) and list(reference) == [c.name for c in CONFIGS]
    for config in CONFIGS:
        result = reference[config.name]
        assert result.finished and result.error is None and len(result.records) == UNITS
    cnn = reference["cnn-sgd"].records
    assert [r["epoch"] for r in cnn] == [0, 1, 2]
    assert len(cnn[0]["step_losses"]) == 8 and cnn[1]["step_losses"][0][0] == 8  # 256 images / 32, global steps
    assert [d[0] for r in cnn for d in r["dev"]] == [5, 10, 15, 20, 23]  # every 5 steps and at the last one
    assert cnn[-1]["train_loss"] < cnn[0]["train_loss"]
    adam = reference["mlp-adam-shuffle"].state["optimizer"]
    assert set(adam["accumulators"]) == {"moment1", "moment2", "beta1_pow_acc", "beta2_pow_acc"}
    assert adam["lr_scheduler"]["last_epoch"] == UNITS


def test_two_workers_moving_state_every_unit_equal_in_process_bit_for_bit(reference, monkeypatch):
    # KEEP_LIVE=False: every unit is rebuilt in the worker that receives it and loaded from the state it is sent.
    monkeypatch.setattr(driver, "KEEP_LIVE", False)
    results = run(CONFIGS, workers=2, progress=False)
    for name, result in results.items():
        assert result.records == reference[name].records, name
        assert_same_state(result.state, reference[name].state, name)


def test_one_worker_keeping_its_trainable_equals_in_process(reference):
    results = run(CONFIGS[:3], workers=1, progress=False)
    for name, result in results.items():
        assert result.records == reference[name].records, name


def test_resuming_from_checkpoints_equals_an_uninterrupted_run(reference, tmp_path):
    # Write the checkpoints an interrupted run would have left: the first k units through the runner's own Live.
    store = CheckpointStore(tmp_path)
    for k, config in zip((1, 2, 1, 2), CONFIGS):
        live = Live(config)
        records = [live.train_unit(u) for u in range(k)]
        assert records == reference[config.name].records[:k]
        store.save(config, records, live.state_dict(), 0.0, live.unit_cost)
        del live
    results = run(CONFIGS, out_dir=tmp_path, workers=0, progress=False)
    for name, result in results.items():
        assert result.records == reference[name].records, name
        assert_same_state(result.state, reference[name].state, name)
    for config in CONFIGS:  # the checkpoints now hold the finished runs
        assert store.load(config)["records"] == reference[config.name].records


def test_a_caller_with_more_threads_gets_the_single_threaded_records(reference, monkeypatch):
    """Paddle's CPU kernels sum in another order with more threads: before Live trained each unit single-threaded,
    workers=0 in a process with OMP_NUM_THREADS=4 gave mlp-adam-shuffle other last bits than the workers (one
    thread each), so "bit-identical however the work is split" depended on the caller's thread count."""
    import paddle

    threads = int(os.environ.get("OMP_NUM_THREADS") or 1)  # this process's count (Paddle sets 1 when unset)
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    paddle.base.core.set_num_threads(4)
    try:
        results = run(CONFIGS[1:2], workers=0, progress=False)
    finally:
        paddle.base.core.set_num_threads(threads)
    assert results["mlp-adam-shuffle"].records == reference["mlp-adam-shuffle"].records


@pytest.mark.parametrize("omp, restored", [("3", 3), (None, 1), ("", 1)])
def test_single_threaded_restores_the_callers_thread_count(monkeypatch, omp, restored):
    """Paddle reads its thread count from OMP_NUM_THREADS (setting "1" when it is unset) and has no getter: after a
    unit, that count comes back, so a caller with 4 threads is not left with one."""
    import paddle

    calls = []
    monkeypatch.setattr(paddle.base.core, "set_num_threads", calls.append)
    if omp is None:
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OMP_NUM_THREADS", omp)
    with single_threaded():
        calls.append("inside")
    assert calls == [1, "inside", restored]


def test_rerunning_a_finished_run_trains_nothing(reference, tmp_path, monkeypatch):
    run(CONFIGS[:1], out_dir=tmp_path, workers=0, progress=False)

    def no_training(*args, **kwargs):
        raise AssertionError("a finished configuration was trained again")

    monkeypatch.setattr(Live, "train_unit", no_training)
    again = run(CONFIGS[:1], out_dir=tmp_path, workers=0, progress=False)
    assert again["cnn-sgd"].records == reference["cnn-sgd"].records and again["cnn-sgd"].finished


def test_trainable_loads_the_final_state(reference):
    trainable = reference["cnn-sgd"].trainable()
    with single_threaded():  # as the record's evaluation ran: other thread counts sum in another order
        score, loss = trainable.evaluate()
    last_step, last_score, last_loss = reference["cnn-sgd"].records[-1]["dev"][-1]
    assert (score, loss) == (last_score, last_loss)


# --- Paddle optimizer state ------------------------------------------------------------------------------------

@pytest.mark.parametrize("build", [experiment_builders.adam_mlp, experiment_builders.dropout_mlp,
                                   experiment_builders.tiny_cnn])
def test_optimizer_state_round_trips_bit_identically_across_paddle_names(build):
    """Adam's moments and beta powers, Momentum's velocity, the LR schedule: a trainable built later in the same
    process has other Paddle parameter names (linear_7.w_0 instead of linear_0.w_0), yet loading the state gives
    the same state back and the same next unit, bit for bit."""
    import paddle

    np.random.seed(0)
    paddle.seed(0)
    first = build(units=3)
    for unit in range(2):
        paddle.seed(unit_seed(7, unit))
        np.random.seed(unit_seed(7, unit))
        first.train_unit(unit)
    state = first.state_dict()
    second = build(units=3)
    names = lambda t: sorted(p.name for p in t.model.parameters())  # noqa: E731
    assert names(first) != names(second)  # Paddle's own optimizer.state_dict() keys would not match
    second.set_state_dict(pickle.loads(pickle.dumps(state)))
    assert_same_state(second.state_dict(), state)
    records = []
    for trainable in (first, second):
        paddle.seed(unit_seed(7, 2))
        np.random.seed(unit_seed(7, 2))
        records.append(trainable.train_unit(2))
    assert records[0] == records[1]
    assert_same_state(first.state_dict(), second.state_dict())


def test_adam_state_holds_moments_beta_powers_and_schedule():
    live = Live(CONFIGS[1])
    live.train_unit(0)
    state = live.state_dict()["optimizer"]
    beta1_pow = state["accumulators"]["beta1_pow_acc"]["1.weight"]
    steps = 5  # 300 samples, batch 64
    assert beta1_pow.dtype == np.float32 and beta1_pow.item() == pytest.approx(0.9 ** (steps + 1), rel=1e-6)
    assert np.abs(state["accumulators"]["moment2"]["1.weight"]).max() > 0
    assert state["lr_scheduler"]["last_epoch"] == 1 and state["lr_scheduler"]["last_lr"] == pytest.approx(0.007)


# --- interruption: a real hard kill and a real SIGTERM ---------------------------------------------------------

SLOW = Config("slow-adam", "experiment_builders:adam_mlp", {"units": 16, "num_train": 1500, "hidden": 64,
                                                             "decay": False}, units=16, seed=5)

SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from nndl.experiment import Config, run
if __name__ == "__main__":
    config = Config.from_json({config!r})
    run([config], out_dir={out!r}, workers=1, progress=False)
"""


def start_in_background(tmp_path, out):
    script = tmp_path / "job.py"
    script.write_text(SCRIPT.format(tests=str(TESTS), config=SLOW.to_json(), out=str(out)), encoding="utf-8")
    return subprocess.Popen([sys.executable, str(script)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, env={**os.environ, "NNDL_PROGRESS": "0"})


def wait_for_checkpoint(process, out, timeout=120):
    store = CheckpointStore(out)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        data = store.load(SLOW)  # never a half-written file: writes are atomic
        if data is not None:
            return len(data["records"])
        time.sleep(0.05)
    raise AssertionError("no checkpoint appeared")


@pytest.fixture(scope="module")
def slow_reference():
    return run([SLOW], workers=0, progress=False)[SLOW.name]


def test_a_hard_kill_of_the_process_group_resumes_from_the_last_checkpoint(tmp_path, slow_reference):
    out = tmp_path / "out"
    process = start_in_background(tmp_path, out)
    done = wait_for_checkpoint(process, out)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
    assert group_is_gone(process.pid)
    saved = CheckpointStore(out).load(SLOW)["records"]
    assert 1 <= len(saved) < SLOW.units and len(saved) >= done
    assert saved == slow_reference.records[:len(saved)]  # what was saved is right
    # A kill between save()'s write and its rename may leave the half-written temporary file; resuming removes it.
    resumed = run([SLOW], out_dir=out, workers=0, progress=False)[SLOW.name]
    assert resumed.records == slow_reference.records
    assert_same_state(resumed.state, slow_reference.state)
    assert not list(out.glob("*.tmp"))


def test_resuming_removes_a_half_written_checkpoint_left_by_a_kill(reference, tmp_path):
    """The kill above lands mid-write only sometimes; here the leftover is planted, so the cleanup is always tested."""
    config, other = CONFIGS[0], CONFIGS[1]
    store = CheckpointStore(tmp_path)
    leftover = tmp_path / f".{store.path(config).name}.abc123.tmp"
    unrelated = tmp_path / f".{store.path(other).name}.def456.tmp"  # another configuration's: not this run's
    leftover.write_bytes(b"half a checkpoint")
    unrelated.write_bytes(b"half a checkpoint")
    result = run([config], out_dir=tmp_path, workers=0, progress=False)[config.name]
    assert result.records == reference[config.name].records
    assert not leftover.exists() and unrelated.exists()


def test_sigterm_stops_the_workers_keeps_the_checkpoint_and_says_how_to_continue(tmp_path, slow_reference):
    out = tmp_path / "out"
    process = start_in_background(tmp_path, out)
    wait_for_checkpoint(process, out)
    process.send_signal(signal.SIGTERM)  # only the main process: it must stop its workers itself
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "SIGTERM" in stderr and str(out) in stderr and "接着训练" in stderr
    assert group_is_gone(process.pid)  # no worker left behind
    saved = CheckpointStore(out).load(SLOW)["records"]
    assert 1 <= len(saved) <= SLOW.units and saved == slow_reference.records[:len(saved)]


# --- failures ---------------------------------------------------------------------------------------------------

def test_a_failing_configuration_keeps_the_others(reference):
    bad = Config("bad", "experiment_builders:failing", {"at": 1}, units=3)
    with pytest.raises(ExperimentError, match="1 个配置没有训练完") as info:
        run([bad, CONFIGS[0]], workers=0, progress=False)
    message, results = str(info.value), info.value.results
    assert "'bad'" in message and "第 1 个单位" in message and "deliberate failure at unit 1" in message
    assert results["cnn-sgd"].finished and results["cnn-sgd"].records == reference["cnn-sgd"].records
    assert not results["bad"].finished and results["bad"].records == [{"w": 1.0}]
    assert list(results.failures) == ["bad"]


def test_a_killed_worker_names_its_configuration_and_the_others_finish(tmp_path):
    configs = [Config("killed", "experiment_builders:failing", {"at": 2, "how": "kill"}, units=4),
               Config("fine", "experiment_builders:failing", {"at": 99}, units=4)]
    with pytest.raises(ExperimentError, match=r"'killed' 第 2 个单位[\s\S]*SIGKILL") as info:
        run(configs, out_dir=tmp_path, workers=2, progress=False)
    results = info.value.results
    assert results["fine"].finished and [r["w"] for r in results["fine"].records] == [1.0, 3.0, 6.0, 10.0]
    assert results["killed"].records == [{"w": 1.0}, {"w": 3.0}]
    assert CheckpointStore(tmp_path).load(configs[0])["records"] == [{"w": 1.0}, {"w": 3.0}]


def test_a_record_that_is_not_json_is_named():
    with pytest.raises(ExperimentError, match="不能写成 JSON"):
        run([Config("np", "experiment_builders:wrong_record", units=1)], workers=0, progress=False)


def test_units_must_match_the_trainables_epochs():
    config = Config("mismatch", "experiment_builders:tiny_cnn", {"units": 2}, units=3)
    with pytest.raises(ExperimentError, match="units=3"):
        run([config], workers=0, progress=False)


# --- checkpoint store -------------------------------------------------------------------------------------------

COUNTER = Config("counter", "experiment_builders:failing", {"at": 99}, units=3, seed=0)


def test_a_truncated_or_corrupt_checkpoint_names_the_file_and_both_ways_out(tmp_path):
    run([COUNTER], out_dir=tmp_path, workers=0, progress=False)
    path = tmp_path / file_name("counter")
    blob = path.read_bytes()
    for damaged in (blob[:-7], blob[:40], blob[:-3] + bytes([blob[-3] ^ 1]) + blob[-2:], b"", b"garbage"):
        path.write_bytes(damaged)
        with pytest.raises(CheckpointError, match=r"截断或损坏|不是本运行器写的检查点|无法读出") as info:
            run([COUNTER], out_dir=tmp_path, workers=0, progress=False)
        message = str(info.value)
        assert str(path) in message and "删除" in message and "fresh=True" in message and "--fresh" in message
    results = run([COUNTER], out_dir=tmp_path, workers=0, progress=False, fresh=True)
    assert [r["w"] for r in results["counter"].records] == [1.0, 3.0, 6.0]


@pytest.mark.parametrize("change, named", [({"params": {"at": 98}}, "params['at']: 检查点中为 99，本次为 98"),
                                           ({"units": 4}, "units: 检查点中为 3，本次为 4"),
                                           ({"seed": 1}, "seed"),
                                           ({"params": {"at": 99, "how": "kill"}}, "params['how']")])
def test_a_checkpoint_with_other_settings_names_the_setting(tmp_path, change, named):
    run([COUNTER], out_dir=tmp_path, workers=0, progress=False)
    other = Config(**{**COUNTER.to_dict(), **change})
    with pytest.raises(CheckpointError, match="是用不同的设置写的") as info:
        run([other], out_dir=tmp_path, workers=0, progress=False)
    assert named in str(info.value) and "fresh=True" in str(info.value)
    assert run([other], out_dir=tmp_path, workers=0, progress=False, fresh=True)["counter"].finished


def test_a_checkpoint_written_before_its_build_moved_resumes(tmp_path, monkeypatch):
    """A build that moved (a MOVED_BUILDS line) is rewritten wherever a build string enters: the saved configuration
    compares equal to today's, and the old string keeps working. (tests/unit/test_old_checkpoint.py: the real moves.)"""
    old = "experiment_builders:counter_before_the_move"  # no such function: only its new name can be imported
    store = CheckpointStore(tmp_path)
    store.save(Config(**{**COUNTER.to_dict(), "build": old}), [{"w": 1.0}], {"w": 1.0}, 0.0, 1.0)
    with pytest.raises(CheckpointError, match=f"build: 检查点中为 '{old}'"):  # without the line: refused, named
        run([COUNTER], out_dir=tmp_path, workers=0, progress=False)
    monkeypatch.setitem(config_module.MOVED_BUILDS, old, COUNTER.build)
    assert Config(**{**COUNTER.to_dict(), "build": old}) == COUNTER
    results = run([COUNTER], out_dir=tmp_path, workers=0, progress=False)
    assert [r["w"] for r in results["counter"].records] == [1.0, 3.0, 6.0]  # resumed after unit 0, not restarted
    assert store.load(COUNTER)["config"]["build"] == COUNTER.build


def test_moved_builds_are_well_formed():
    """Every line maps a valid old string to a valid new one, once: a new name is never itself an old one (when a
    build moves again, its earlier lines are updated to the newest name)."""
    for old, new in config_module.MOVED_BUILDS.items():
        assert config_module.build_path(old) == new and config_module.build_path(new) == new
    assert not set(config_module.MOVED_BUILDS.values()) & set(config_module.MOVED_BUILDS)


def test_the_experiments_wall_time_is_checkpointed_and_adds_up_over_resumed_runs(tmp_path):
    """`Results.elapsed` (what the stored book-scale results report as the wall time) counts the earlier runs' time
    read from the checkpoints, unlike `wall_time` (this call only); a checkpoint written before it existed gives None."""
    store = CheckpointStore(tmp_path)
    store.save(COUNTER, [{"w": 1.0}], {"w": 1.0}, 0.5, 1.0, elapsed=100.0)  # an earlier run: 100 s, one unit
    resumed = run([COUNTER], out_dir=tmp_path, workers=0, progress=False)
    assert [r["w"] for r in resumed["counter"].records] == [1.0, 3.0, 6.0]
    assert 100.0 < resumed.elapsed <= 100.0 + resumed.wall_time
    assert store.load(COUNTER)["elapsed"] == resumed["counter"].elapsed == resumed.elapsed
    assert run([COUNTER], out_dir=tmp_path, workers=0, progress=False).elapsed == resumed.elapsed  # nothing to train
    store.save(COUNTER, resumed["counter"].records, {"w": 6.0}, 0.5, 1.0)  # as written before `elapsed` existed
    assert run([COUNTER], out_dir=tmp_path, workers=0, progress=False).elapsed is None


@pytest.mark.parametrize("where, error", [("fsync", OSError(errno.ENOSPC, "No space left on device")),
                                          ("mkstemp", PermissionError(errno.EACCES, "Permission denied")),
                                          ("replace", OSError(errno.EROFS, "Read-only file system"))])
def test_a_failed_write_leaves_the_previous_checkpoint_intact_and_says_so(tmp_path, monkeypatch, where, error):
    run([Config(**{**COUNTER.to_dict(), "units": 3})], out_dir=tmp_path, workers=0, progress=False)
    path = tmp_path / file_name("counter")
    store = CheckpointStore(tmp_path)
    before = path.read_bytes()
    data = store.load(COUNTER)

    def fail(*args, **kwargs):
        raise error

    target = {"fsync": (store_module.os, "fsync"), "mkstemp": (store_module.tempfile, "mkstemp"),
              "replace": (store_module.os, "replace")}[where]
    monkeypatch.setattr(*target, fail)
    with pytest.raises(CheckpointError, match="之前的检查点保持不变") as info:
        store.save(COUNTER, data["records"] + [{"w": 0}], data["state"], 0.0, 1.0)
    assert str(path) in str(info.value)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp file left


def test_a_failed_write_during_a_run_stops_it_and_keeps_the_results(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module.os, "replace", lambda *a: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full")))
    with pytest.raises(ExperimentError, match="无法写入检查点[\\s\\S]*磁盘已满[\\s\\S]*再运行一次") as info:
        run([COUNTER], out_dir=tmp_path, workers=0, progress=False)
    assert info.value.results["counter"].records == [{"w": 1.0}]
    assert not list(tmp_path.iterdir())


READ_ONLY_CHILD = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from nndl.experiment import CheckpointError, Config
    from nndl.experiment.store import CheckpointStore

    directory, config = Path(sys.argv[1]), Config(**json.loads(sys.argv[2]))
    try:
        (directory / "probe").touch()
    except PermissionError:
        pass
    else:
        sys.exit("this process may still write into the read-only directory, so the test would prove nothing")
    try:
        CheckpointStore(directory).save(config, [], None, 0.0, 1.0)
    except CheckpointError as err:
        print(err)
    else:
        sys.exit("save() into a read-only directory returned without CheckpointError")
""")


def unprivileged():
    """The command prefix that starts a process the kernel refuses a read-only directory, as it refuses any user.
    As root (every CI run): `setpriv` removes CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, the capabilities that let root
    ignore file modes, from the bounding and inheritable sets, so the child keeps uid 0 (it still reads the clone and
    .venv, wherever they are) but gets no capability that bypasses the directory's mode. Switching to another uid
    (nobody) would not do: the child could not read a clone or a Python under /root."""
    if os.geteuid() != 0:
        return []
    assert shutil.which("setpriv"), "running as root, the read-only test needs setpriv (Debian: util-linux)"
    return ["setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search",
            "--"]


def test_a_read_only_directory(tmp_path):
    """The real case, not a monkeypatched twin: the directory's mode forbids writing, the kernel refuses, save() says
    that the previous checkpoint is unchanged and leaves it (and no temporary file) in place."""
    run([COUNTER], out_dir=tmp_path, workers=0, progress=False)
    path = tmp_path / file_name("counter")
    before = path.read_bytes()
    tmp_path.chmod(0o500)
    try:
        child = subprocess.run([*unprivileged(), sys.executable, "-c", READ_ONLY_CHILD, str(tmp_path),
                                json.dumps(COUNTER.to_dict())], capture_output=True, text=True, timeout=120)
    finally:
        tmp_path.chmod(0o700)
    assert child.returncode == 0, child.stderr[-3000:]
    assert "之前的检查点保持不变" in child.stdout and str(path) in child.stdout, child.stdout
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == [path.name]


def test_checkpoint_file_names_are_safe_and_distinct():
    assert file_name("bs=16_lr=0.01") == "bs=16_lr=0.01.ckpt"
    odd = [file_name(n) for n in ("a/b", "a_b", "a b", "../x", ".hidden")]
    assert len(set(odd)) == 5 and all("/" not in n and not n.startswith(".") for n in odd)


# --- scheduler (no processes) -----------------------------------------------------------------------------------

def test_scheduler_takes_the_largest_remaining_cost_not_running_elsewhere():
    statuses = [Status(10, done=8, unit_cost=1.0), Status(4, done=1, unit_cost=2.0), Status(5, done=0, unit_cost=1.0)]
    assert [remaining_cost(s) for s in statuses] == [2.0, 6.0, 5.0]
    assert choose_next(statuses) == 1
    statuses[1].running = True
    assert choose_next(statuses) == 2
    statuses[2].failed = True
    assert choose_next(statuses) == 0
    statuses[0].done = 10
    assert choose_next(statuses) is None and not all_done(statuses)
    statuses[1].running = False
    statuses[1].done = 4
    assert all_done(statuses)


def test_scheduler_starts_unknown_costs_first_in_order_and_prefers_the_workers_last_configuration():
    statuses = [Status(3, done=1, unit_cost=5.0), Status(3), Status(3)]
    assert choose_next(statuses) == 1
    statuses[1].running = True
    assert choose_next(statuses) == 2
    tie = [Status(2, unit_cost=1.0), Status(2, unit_cost=1.0)]
    assert choose_next(tie) == 0 and choose_next(tie, last=1) == 1


def test_simulated_schedule_balances_the_books_five_configurations_on_two_workers():
    # 7.2's five configurations: per-epoch cost falls with batch size (fewer steps), 30 epochs each.
    costs = [steps * (1.2 + 0.23 * b) for b, steps in ((16, 3750), (32, 1875), (64, 938), (128, 469), (256, 235))]
    makespan, assignments = simulate([30] * 5, costs, workers=2)
    total = 30 * sum(costs)
    assert makespan <= total / 2 + max(costs)  # the two workers finish within one unit of each other
    for config in range(5):  # units of one configuration run in order and never on two workers at once
        mine = [(unit, start) for w, c, unit, start in assignments if c == config]
        assert [u for u, _ in mine] == list(range(30))
        assert all(b[1] >= a[1] + costs[config] - 1e-9 for a, b in zip(mine, mine[1:]))


# --- configuration and bad input --------------------------------------------------------------------------------

def module_level_builder(units):
    return experiment_builders.failing(99)


def test_config_json_round_trip_and_callable_build():
    config = Config("x", module_level_builder, {"a": (1, 2), "b": {"c": 0.5}}, units=2, seed=3)
    assert config.build == "test_experiment:module_level_builder"
    assert config.params == {"a": [1, 2], "b": {"c": 0.5}}  # tuples become lists, as after JSON
    assert Config.from_json(config.to_json()) == config
    assert json.loads(config.to_json())["units"] == 2


def test_a_build_from_main_is_rejected_naming_build():
    def builder():
        pass

    builder.__module__ = "__main__"
    with pytest.raises(ValueError, match=r"build=.*__main__"):
        Config("x", builder)
    with pytest.raises(ValueError, match="build=.*lambda"):
        Config("x", lambda: None)


def test_a_build_defined_in_a_real_main_script_is_rejected(tmp_path):
    script = tmp_path / "main.py"
    script.write_text(textwrap.dedent("""
        from nndl.experiment import Config
        def trainable():
            pass
        try:
            Config("x", trainable)
        except ValueError as err:
            print(err)
    """), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert "build=" in done.stdout and "__main__" in done.stdout


@pytest.mark.parametrize("kwargs, error, word", [
    ({"name": ""}, ValueError, "name"),
    ({"name": 3}, ValueError, "name"),
    ({"build": "no colon"}, ValueError, "build"),
    ({"build": 42}, TypeError, "build"),
    ({"params": [1]}, TypeError, "params"),
    ({"params": {"x": {1, 2}}}, TypeError, r"params\['x'\]"),
    ({"params": {"lr": float("nan")}}, ValueError, r"params\['lr'\]"),
    ({"params": {1: 2}}, TypeError, "params"),
    ({"units": 0}, ValueError, "units"),
    ({"units": 2.0}, TypeError, "units"),
    ({"seed": -1}, ValueError, "seed"),
    ({"seed": 2**32}, ValueError, "seed"),
])
def test_bad_config_input_is_named(kwargs, error, word):
    with pytest.raises(error, match=word):
        Config(**{"name": "x", "build": "experiment_builders:failing", **kwargs})


@pytest.mark.parametrize("args, kwargs, error, word", [
    ((COUNTER,), {}, TypeError, "configs"),
    (([],), {}, ValueError, "configs"),
    (([COUNTER, COUNTER],), {}, ValueError, "name"),
    (([COUNTER, "x"],), {}, TypeError, r"configs\[1\]"),
    (([COUNTER],), {"workers": -1}, ValueError, "workers"),
    (([COUNTER],), {"workers": 1.5}, TypeError, "workers"),
    (([COUNTER],), {"fresh": "yes"}, TypeError, "fresh"),
    (([COUNTER],), {"progress": "auto"}, TypeError, "progress"),
    (([COUNTER],), {"out_dir": 3}, TypeError, "out_dir"),
    (([Config("x", "experiment_builders:nothing_here")],), {}, ValueError, "build"),
    (([Config("x", "no_such_module_anywhere:f")],), {}, ValueError, "build"),
])
def test_bad_run_input_is_named(args, kwargs, error, word):
    with pytest.raises(error, match=word):
        run(*args, **kwargs)


def test_layer_trainable_bad_input_is_named():
    import paddle
    import paddle.nn.functional as F

    model = paddle.nn.Linear(784, 10)
    opt = paddle.optimizer.SGD(parameters=model.parameters())
    data = mnist_tensors("train", 10)
    ok = {"model": model, "optimizer": opt, "loss_fn": F.cross_entropy, "metric": None, "train_data": data,
          "num_epochs": 1}
    for change, word in [({"model": object()}, "model"), ({"optimizer": None}, "optimizer"),
                         ({"train_data": data[0]}, "train_data"), ({"batch_size": 0}, "batch_size"),
                         ({"num_epochs": None}, "num_epochs"), ({"eval_steps": 5}, "eval_steps"),
                         ({"shuffle": 1}, "shuffle"), ({"lr_step": "batch"}, "lr_step")]:
        with pytest.raises((TypeError, ValueError), match=word):
            LayerTrainable(**{**ok, **change})
    with pytest.raises(ValueError, match="unit"):
        LayerTrainable(**ok).train_unit(1)


# --- helpers ----------------------------------------------------------------------------------------------------

def test_unit_seed_depends_only_on_seed_and_unit():
    assert unit_seed(0, 0) == unit_seed(0, 0)
    seeds = {unit_seed(s, u) for s in range(5) for u in range(20)}
    assert len(seeds) == 100 and all(0 <= s < 2**32 for s in seeds)
    assert unit_seed(0, 1) == 3964924996  # fixed by NumPy's SeedSequence, stable across platforms and versions
    with pytest.raises(ValueError, match="unit"):
        unit_seed(0, -1)
    with pytest.raises(TypeError, match="seed"):
        unit_seed(1.5, 0)


def test_runs_dir_by_profile(monkeypatch):
    monkeypatch.setenv("NNDL_PROFILE", "quick")
    assert runs_dir("7.5-bn") is None
    monkeypatch.setenv("NNDL_PROFILE", "full")
    assert runs_dir("7.5-bn") == ROOT / "runs" / "full" / "7.5-bn"
    assert runs_dir("7.5-bn", profile="quick") is None  # an explicit profile wins over the environment
    monkeypatch.setenv("NNDL_PROFILE", "quick")
    assert runs_dir("7.5-bn", profile="full") == ROOT / "runs" / "full" / "7.5-bn"
    with pytest.raises(ValueError, match="profile"):
        runs_dir("7.5-bn", profile="book")
    for bad in ("", "a/b", "..", 3):
        with pytest.raises(ValueError, match="name"):
            runs_dir(bad)


def test_runs_are_git_ignored():
    assert "runs/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_mnist_tensors():
    """Every request is checked against the arrays read directly, in an order that exposes a cache keyed on less
    than (split, num_samples) whatever the tests before this one asked for: 50, then 30 and 70 of the same split
    (a cache ignoring the count returns 50 rows), then the other split (a cache ignoring the split)."""
    from nndl.data import load_mnist_arrays

    def assert_first(split, n, images, labels):
        expected_images, expected_labels = load_mnist_arrays(split, n)
        assert images.shape == [n, 1, 28, 28] and str(images.dtype).endswith("float32")
        assert labels.shape == [n, 1] and str(labels.dtype).endswith("int64")
        np.testing.assert_array_equal(images.numpy(), (expected_images / np.float32(255)).reshape(n, 1, 28, 28))
        np.testing.assert_array_equal(labels.numpy()[:, 0], expected_labels)

    images, labels = mnist_tensors("test", 50)
    assert_first("test", 50, images, labels)
    assert mnist_tensors("test", 50)[0] is images  # cached per process
    for split, n in (("test", 30), ("test", 70), ("train", 70), ("test", 70)):
        assert_first(split, n, *mnist_tensors(split, n))
    with pytest.raises(ValueError, match="split"):
        mnist_tensors("dev", 10)
    with pytest.raises(ValueError, match="num_samples"):
        mnist_tensors("test", 10001)


def test_run_restores_the_sigterm_handler():
    before = signal.getsignal(signal.SIGTERM)
    run([COUNTER], workers=0, progress=False)
    assert signal.getsignal(signal.SIGTERM) == before


def test_nndl_workers_sets_the_default_and_0_trains_in_the_calling_process(monkeypatch):
    from nndl.experiment.pool import default_workers

    monkeypatch.delenv("NNDL_WORKERS", raising=False)
    assert default_workers() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("NNDL_WORKERS", "3")
    assert default_workers() == 3
    monkeypatch.setenv("NNDL_WORKERS", "0")
    assert default_workers() == 0

    def no_processes(*args, **kwargs):
        raise AssertionError("NNDL_WORKERS=0: run() must not start worker processes")

    monkeypatch.setattr(driver, "ProcessPool", no_processes)
    results = run([COUNTER], progress=False)
    assert results[COUNTER.name].finished
    with pytest.raises(AssertionError, match="must not start"):
        run([COUNTER], workers=1, progress=False)  # an explicit workers= still wins


@pytest.mark.parametrize("value", ["two", "-1", "1.5"])
def test_a_bad_nndl_workers_names_the_variable(monkeypatch, value):
    monkeypatch.setenv("NNDL_WORKERS", value)
    with pytest.raises(ValueError, match="NNDL_WORKERS"):
        run([COUNTER], progress=False)


def test_in_process_run_leaves_the_callers_random_state_alone():
    import paddle

    np.random.seed(123)
    paddle.seed(123)
    run(CONFIGS[:1], workers=0, progress=False)
    after = (np.random.rand(), paddle.rand([1]).item())
    np.random.seed(123)
    paddle.seed(123)
    assert after == (np.random.rand(), paddle.rand([1]).item())


def test_progress_is_silent_with_nndl_progress_0(monkeypatch, capfd):
    monkeypatch.setenv("NNDL_PROGRESS", "0")
    assert progress_mode(True) is None and progress_mode(None) is None
    run([COUNTER], workers=0, progress=True)
    assert capfd.readouterr() == ("", "")


def test_progress_bars_one_per_configuration(monkeypatch, capfd):
    monkeypatch.delenv("NNDL_PROGRESS", raising=False)
    assert progress_mode(False) is None and progress_mode(True) == "terminal"
    run([COUNTER, Config("other", "experiment_builders:failing", {"at": 99}, units=2)], workers=0, progress=True)
    err = capfd.readouterr().err
    assert "counter" in err and "other" in err and "3.0/3" in err and "2.0/2" in err
