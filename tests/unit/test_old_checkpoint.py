"""A checkpoint written before the package layout changed (issue 16) resumes after it, bit for bit.

The old checkpoints are written at test time, on this machine, by the package *before* the move: tools/
make_old_checkpoints.py takes commit 4c94a10's nndl/ (and tests/experiment_builders.py) out of Git into a temporary
directory and trains the first units there in a subprocess. Their stored configurations name the old builds
(`nndl.regularization:moons_trainable`, `nndl.mlp:moons_trainable`). Here they are resumed with the configurations
written today, naming the new builds; `nndl.experiment.config.MOVED_BUILDS` is what makes the saved configuration
compare equal to today's. The resumed run must equal a fresh uninterrupted run exactly.

Why not committed files: a checkpoint's state carries the rounding of the CPU that trained it. On another CPU the
same code trains the first units to other low bits (an AMD EPYC's adam-step-decay unit 1 dev loss
1.9655723571777344 fresh vs 1.9655722975730896 resumed from a file written elsewhere), so committed files could only
be compared where they were written, and the test used to skip elsewhere, which also turned real bugs (an
optimizer that no longer clears its gradients, labels shuffled apart from their images) into skips blaming the
machine. Written here, the old code and today's run on the same machine, so the comparison is exact everywhere and
nothing is skipped. It needs Git and the commit (CI runs on a full clone); without them the test fails saying how to
fetch the history.

The third checkpoint's build did not move, but its optimizer has state (Adam's moments and beta powers, a StepDecay
schedule): it holds the optimizer state in the format of that commit, which must still load however
nndl/experiment/trainables.py saves optimizer state today.
"""

import pickle
import shutil
import sys
from pathlib import Path

import pytest

from nndl.experiment import Config, run
from nndl.experiment.config import MOVED_BUILDS
from nndl.experiment.pool import Live
from nndl.experiment.store import MAGIC, CheckpointStore
from test_experiment import assert_same_state

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import make_old_checkpoints  # noqa: E402

# (today's configuration, the build its old checkpoint names, units the old checkpoint holds). Name, params, units
# and seed are those of tools/make_old_checkpoints.py; the build is written the new way, as a notebook writes it now.
CASES = [
    (Config("regularization-dropout", "nndl.sections.s7_6_regularization:regularization_trainable",
            {"drop_rate": 0.5, "iters_per_unit": 50, "log_every": 10}, units=4, seed=3),
     "nndl.regularization:moons_trainable", 2),
    (Config("mlp-xavier", "nndl.sections.s7_4_initialization:init_trainable",
            {"init": "xavier_normal", "layers_size": [2, 8, 1], "num_epochs": 4, "eval_steps": 5}, units=4, seed=1),
     "nndl.mlp:moons_trainable", 2),
    (Config("adam-step-decay", "experiment_builders:adam_mlp", {"units": 3, "hidden": 4}, units=3, seed=4),
     "experiment_builders:adam_mlp", 1),
]
IDS = [config.name for config, _, _ in CASES]


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory):
    """The old checkpoints, written now by commit 4c94a10's code (a failure, not a skip, when Git cannot give it)."""
    out = tmp_path_factory.mktemp("old-checkpoints")
    try:
        make_old_checkpoints.write_old_checkpoints(out)
    except make_old_checkpoints.OldCodeUnavailable as err:
        pytest.fail(f"the old checkpoints cannot be written: {err}", pytrace=False)
    return out


def saved(fixture_dir, config):
    """The old checkpoint's contents, read directly (the file format: magic line, SHA-256 line, pickle)."""
    blob = (fixture_dir / CheckpointStore(fixture_dir).path(config).name).read_bytes()
    assert blob.startswith(MAGIC)
    return pickle.loads(blob[len(MAGIC) + 65:])


def test_the_cases_are_the_writers():
    assert [(c.name, old, c.params, c.units, c.seed, done) for c, old, done in CASES] == \
        [(name, old, params, units, seed, done) for name, old, params, units, seed, done in make_old_checkpoints.OLD]


@pytest.mark.parametrize("config, old_build, done", CASES, ids=IDS)
def test_the_fixture_is_an_old_interrupted_checkpoint(config, old_build, done, fixture_dir):
    data = saved(fixture_dir, config)
    assert data["config"]["build"] == old_build and len(data["records"]) == done < config.units
    assert MOVED_BUILDS.get(old_build, old_build) == config.build
    assert {**data["config"], "build": config.build} == config.to_dict()  # only the build's name differs


@pytest.fixture(scope="module")
def resumed_and_fresh(tmp_path_factory, fixture_dir):
    """Resume a copy of the fixture (all configurations in one run), then train each configuration uninterrupted in
    a run of its own (so its state never leaves memory: no set_state_dict that could hide a loading bug). In this
    process (workers=0), like tests/unit/test_experiment.py's reference. Returns (resumed results, fresh results by name,
    {name: units trained while resuming}, the resumed checkpoint directory)."""
    out = tmp_path_factory.mktemp("old") / "runs"
    shutil.copytree(fixture_dir, out)
    trained = {}
    train_unit = Live.train_unit

    def spy(live, unit, report=None):
        trained.setdefault(live.config.name, []).append(unit)
        return train_unit(live, unit, report)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Live, "train_unit", spy)
        resumed = run([config for config, _, _ in CASES], out_dir=out, workers=0, progress=False)
    fresh = {config.name: run([config], workers=0, progress=False)[config.name] for config, _, _ in CASES}
    return resumed, fresh, trained, out


def test_old_checkpoints_are_resumed_with_todays_builds(resumed_and_fresh):
    resumed, _, trained, out = resumed_and_fresh
    assert trained == {config.name: list(range(done, config.units)) for config, _, done in CASES}  # not restarted
    for config, _, _ in CASES:
        assert resumed[config.name].finished
        rewritten = CheckpointStore(out).load(config)
        assert rewritten["config"]["build"] == config.build and rewritten["records"] == resumed[config.name].records


@pytest.mark.parametrize("config, old_build, done", CASES, ids=IDS)
def test_the_resumed_run_equals_an_uninterrupted_run(config, old_build, done, resumed_and_fresh, fixture_dir):
    resumed, fresh, _, _ = resumed_and_fresh
    resumed, fresh = resumed[config.name], fresh[config.name]
    # The old code and today's train the first units alike (the move changed no arithmetic), on this machine.
    assert fresh.records[:done] == saved(fixture_dir, config)["records"]
    assert resumed.records == fresh.records
    assert_same_state(resumed.state, fresh.state)
