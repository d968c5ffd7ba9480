"""python -m nndl.sweep: interrupted by SIGINT, SIGTERM or a SIGKILL of its whole process group, the same command
continues from the checkpoints to exactly the losses of an uninterrupted run; a corrupt checkpoint, a checkpoint
from other settings and an unwritable output directory each stop it with its own error and damage nothing on disk.

Each command runs in its own session (start_new_session=True), so the test can signal its whole process group
(the CLI and its workers) as a terminal's Ctrl-C or an OOM-killed job would, without touching pytest.
"""

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nndl.sections.s7_2_batch_size import KILL_HOOK_ENV, SweepResult
from processes import group_is_gone
from nndl.sections.s7_2_batch_size import outputs as outputs_module
from nndl.sections.s7_2_batch_size.outputs import write_outputs

ROOT = Path(__file__).resolve().parents[2]
# Small enough to be quick, long enough that a signal sent right after the first checkpoint lands mid-run:
# 5 configurations x 3 epochs = 15 units, and the first checkpoint appears after the first unit.
ARGS = ["--profile", "quick", "--workers", "2", "--num-samples", "600", "--num-epochs", "3"]
LOSS_FIELDS = ("batch_size", "learning_rate", "train_epoch_losses", "train_step_losses", "finished")
ENV = {**os.environ, "NNDL_PROGRESS": "0"}
ENV.pop(KILL_HOOK_ENV, None)


def command(out, *extra):
    return [sys.executable, "-m", "nndl.sweep", *ARGS, "--out", str(out), *extra]


def run_cli(out, *extra, env=None):
    started = time.monotonic()
    done = subprocess.run(command(out, *extra), cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**ENV, **(env or {})}, start_new_session=True)
    done.seconds = time.monotonic() - started
    return done


def runs_part(out):
    data = json.loads((Path(out) / "losses.json").read_text(encoding="utf-8"))
    return [{key: run[key] for key in LOSS_FIELDS} for run in data["runs"]]


def snapshot(directory):
    """Every file below `directory` (and `directory` itself if it is a file) -> its bytes."""
    directory = Path(directory)
    if directory.is_file():
        return {directory: directory.read_bytes()}
    return {p: p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def checkpoints(out):
    return sorted((Path(out) / "checkpoints").glob("*.ckpt"))


def start_and_signal(out, sig):
    """Start the CLI in its own session, wait for its first checkpoint, signal the whole group; returns
    (process, stdout, stderr, seconds until the signal)."""
    started = time.monotonic()
    # A shell starts background jobs with SIGINT ignored, and children inherit that; pytest may run as one. The CLI
    # gets SIGINT's default disposition, as a foreground command in a terminal has it.
    proc = subprocess.Popen(command(out), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=ENV, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        while not checkpoints(out):
            assert proc.poll() is None, f"the CLI ended before its first checkpoint: {proc.communicate()}"
            assert time.monotonic() - started < 300, "no checkpoint after 300 s"
            time.sleep(0.02)
        signalled = time.monotonic() - started
        os.killpg(proc.pid, sig)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert group_is_gone(proc.pid), "workers of the interrupted CLI are still running"
    return proc, stdout, stderr, signalled


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("uninterrupted")
    done = run_cli(out)
    assert done.returncode == 0, done.stderr
    print(f"uninterrupted run: {done.seconds:.1f} s")
    return out


def test_an_uninterrupted_run_writes_json_csv_and_png(uninterrupted):
    runs = runs_part(uninterrupted)
    assert [(r["batch_size"], r["learning_rate"]) for r in runs] == [(16, 0.01), (32, 0.02), (64, 0.04),
                                                                      (128, 0.08), (256, 0.16)]
    assert all(r["finished"] and len(r["train_epoch_losses"]) == 3 for r in runs)
    assert [len(r["train_step_losses"]) for r in runs] == [3 * -(-600 // b) for b in (16, 32, 64, 128, 256)]
    epoch_rows = (uninterrupted / "epoch_losses.csv").read_text(encoding="utf-8").splitlines()
    assert epoch_rows[0] == "batch_size,learning_rate,epoch,loss" and len(epoch_rows) == 1 + 5 * 3
    assert (uninterrupted / "epoch_losses.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(checkpoints(uninterrupted)) == 5


def test_running_the_finished_command_again_trains_nothing_and_writes_the_same(uninterrupted, tmp_path):
    out = tmp_path / "again"
    shutil.copytree(uninterrupted, out)
    before = {p: b for p, b in snapshot(out / "checkpoints").items()}
    done = run_cli(out)
    assert done.returncode == 0, done.stderr
    assert "从检查点接着训练：bs=16_lr=0.01 3/3 个回合" in done.stdout
    assert runs_part(out) == runs_part(uninterrupted)
    assert snapshot(out / "checkpoints") == before  # nothing retrained, nothing rewritten


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_writes_what_is_done_and_the_same_command_continues(uninterrupted, tmp_path, sig):
    out = tmp_path / "out"
    proc, stdout, stderr, signalled = start_and_signal(out, sig)
    assert proc.returncode == 128 + sig, stderr
    name = "SIGTERM" if sig == signal.SIGTERM else "Ctrl-C"
    assert f"收到 {name}" in stderr and "继续：再运行同一条命令 python -m nndl.sweep" in stderr
    partial = runs_part(out)  # the results so far are written ...
    assert not all(r["finished"] for r in partial), "the run finished before the signal: make ARGS longer"
    reference = runs_part(uninterrupted)
    assert sum(len(r["train_epoch_losses"]) for r in partial) >= 1
    for got, want in zip(partial, reference):  # ... and are the first epochs of the uninterrupted run
        n = len(got["train_epoch_losses"])
        assert got["train_epoch_losses"] == want["train_epoch_losses"][:n]
        assert got["train_step_losses"] == want["train_step_losses"][:len(got["train_step_losses"])]
    resumed = run_cli(out)
    assert resumed.returncode == 0, resumed.stderr
    assert "从检查点接着训练" in resumed.stdout
    assert runs_part(out) == reference
    print(f"{signal.Signals(sig).name}: signalled {signalled:.1f} s after start; resumed run {resumed.seconds:.1f} s")


def test_sigkill_of_the_process_group_then_the_same_command_resumes(uninterrupted, tmp_path):
    out = tmp_path / "out"
    proc, stdout, stderr, signalled = start_and_signal(out, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "losses.json").exists()
    assert checkpoints(out)  # what was finished before the kill
    resumed = run_cli(out)
    assert resumed.returncode == 0, resumed.stderr
    assert "从检查点接着训练" in resumed.stdout
    assert runs_part(out) == runs_part(uninterrupted)
    print(f"SIGKILL: signalled {signalled:.1f} s after start; resumed run {resumed.seconds:.1f} s")


def test_a_corrupt_checkpoint_is_refused_and_nothing_is_touched(uninterrupted, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(uninterrupted, out)
    victim = out / "checkpoints" / "bs=64_lr=0.04.ckpt"
    victim.write_bytes(victim.read_bytes()[:-100])  # truncated, as a full disk or a crash without atomic writes would
    before = snapshot(out)
    done = run_cli(out)
    assert done.returncode == 3
    assert "已截断或损坏" in done.stderr and str(victim) in done.stderr and "--fresh" in done.stderr
    assert snapshot(out) == before


def test_a_checkpoint_from_other_settings_is_refused_and_nothing_is_touched(uninterrupted, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(uninterrupted, out)
    before = snapshot(out)
    done = subprocess.run([*command(out)[:-2], "--num-epochs", "4", "--out", str(out)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env=ENV, start_new_session=True)
    assert done.returncode == 3
    assert "num_epochs" in done.stderr and "检查点中为 3，本次为 4" in done.stderr and "--fresh" in done.stderr
    assert snapshot(out) == before


def test_fresh_starts_afresh(uninterrupted, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(uninterrupted, out)
    (out / "checkpoints" / "bs=64_lr=0.04.ckpt").write_bytes(b"garbage")  # --fresh does not even read them
    done = run_cli(out, "--fresh")
    assert done.returncode == 0, done.stderr
    assert "从检查点接着训练" not in done.stdout
    assert runs_part(out) == runs_part(uninterrupted)


def test_an_output_directory_that_cannot_be_created_is_reported_before_training(tmp_path):
    blocker = tmp_path / "results.txt"
    blocker.write_text("a file, not a directory\n", encoding="utf-8")
    before = snapshot(blocker)
    done = run_cli(blocker / "out")  # the parent of --out is a file: mkdir fails (as root, too)
    assert done.returncode == 3
    assert "不可写" in done.stderr and "results.txt" in done.stderr
    assert snapshot(blocker) == before and "profile=" not in done.stdout  # refused before any training


def test_a_failed_result_write_keeps_the_previous_files(uninterrupted, tmp_path, monkeypatch):
    """Disk full while writing the results: every file already there stays as it was (atomic replace)."""
    out = tmp_path / "out"
    shutil.copytree(uninterrupted, out)
    before = snapshot(out)
    data = json.loads((out / "losses.json").read_text(encoding="utf-8"))
    data["runs"][0]["train_epoch_losses"][0] += 1.0  # new content, so a write that happened would show
    result = SweepResult(data["runs"], data["num_samples"], data["num_epochs"], data["seed"], data["workers"])

    def full_disk(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outputs_module.os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_outputs(result, out)
    monkeypatch.undo()
    assert snapshot(out) == before  # no file changed, no temporary file left behind


def test_a_failed_configuration_exits_1_and_keeps_the_others(tmp_path):
    out = tmp_path / "out"
    # The worker training batch size 256 SIGKILLs itself (as the OOM killer would); one epoch is enough here.
    done = run_cli(out, "--num-epochs", "1", env={KILL_HOOK_ENV: "256"})
    assert done.returncode == 1, done.stderr
    assert "batch_size=256, lr=0.16" in done.stderr and "SIGKILL" in done.stderr
    assert [r["finished"] for r in runs_part(out)] == [True, True, True, True, False]
    assert len(checkpoints(out)) == 4  # the four finished configurations can be resumed; the failed one had no epoch


@pytest.mark.parametrize("args, word", [(("--profile", "fast"), "fast"), (("--workers", "0"), "workers"),
                                        (("--num-epochs", "0"), "num_epochs")])
def test_bad_arguments_exit_2(tmp_path, args, word):
    done = subprocess.run([sys.executable, "-m", "nndl.sweep", *args, "--out", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env=ENV)
    assert done.returncode == 2 and word in done.stderr
