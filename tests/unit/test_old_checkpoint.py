"""A checkpoint written before the package layout changed (issue 16) resumes after it, bit for bit.

tests/data/old_checkpoints/ holds checkpoints that the package *before* the move wrote part-way through training
(tools/make_old_checkpoints.py wrote them; the README there names the commit). Their stored configurations name the
old builds (`nndl.regularization:moons_trainable`, `nndl.mlp:moons_trainable`). Here they are resumed with the
configurations written today, naming the new builds; `nndl.experiment.config.MOVED_BUILDS` is what makes the saved
configuration compare equal to today's. The resumed run must equal a fresh uninterrupted run exactly.

The third checkpoint's build did not move, but its optimizer has state (Adam's moments and beta powers, a StepDecay
schedule): it holds the optimizer state in the format of that commit, which must still load however
nndl/experiment/trainables.py saves optimizer state today.
"""

import pickle
import shutil
from pathlib import Path

import pytest

from nndl.experiment import Config, run
from nndl.experiment.config import MOVED_BUILDS
from nndl.experiment.pool import Live
from nndl.experiment.store import MAGIC, CheckpointStore
from test_experiment import assert_same_state

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "old_checkpoints"

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


def saved(config):
    """The old checkpoint's contents, read directly (the file format: magic line, SHA-256 line, pickle)."""
    blob = (FIXTURE / CheckpointStore(FIXTURE).path(config).name).read_bytes()
    assert blob.startswith(MAGIC)
    return pickle.loads(blob[len(MAGIC) + 65:])


@pytest.mark.parametrize("config, old_build, done", CASES, ids=IDS)
def test_the_fixture_is_an_old_interrupted_checkpoint(config, old_build, done):
    data = saved(config)
    assert data["config"]["build"] == old_build and len(data["records"]) == done < config.units
    assert MOVED_BUILDS.get(old_build, old_build) == config.build
    assert {**data["config"], "build": config.build} == config.to_dict()  # only the build's name differs


@pytest.fixture(scope="module")
def resumed_and_fresh(tmp_path_factory):
    """Resume a copy of the fixture (all configurations in one run), then train each configuration uninterrupted in
    a run of its own (so its state never leaves memory: no set_state_dict that could hide a loading bug). In this
    process (workers=0), like tests/unit/test_experiment.py's reference. Returns (resumed results, fresh results by name,
    {name: units trained while resuming}, the resumed checkpoint directory)."""
    out = tmp_path_factory.mktemp("old") / "runs"
    shutil.copytree(FIXTURE, out)
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
def test_the_resumed_run_equals_an_uninterrupted_run(config, old_build, done, resumed_and_fresh):
    resumed, fresh, _, _ = resumed_and_fresh
    resumed, fresh = resumed[config.name], fresh[config.name]
    if fresh.records[:done] != saved(config)["records"]:
        # The fixture's state carries the writer's float rounding: a CPU whose kernels round differently (no AVX-512,
        # MKL_CBWR=COMPATIBLE) trains the first units to other bits, so no resumed run can equal its fresh one.
        pytest.skip("this machine trains the fixture's first units to other bits than the machine that wrote it "
                    "(README in tests/data/old_checkpoints/); exact comparison is only defined there")
    assert resumed.records == fresh.records
    assert_same_state(resumed.state, fresh.state)
