"""One autograd training contract: RunnerV3 (the book's API) and the experiment runner's LayerTrainable train and
evaluate through the same nndl.loops code, so on the same initial model and the same batches they record the same
step losses, epoch losses, dev scores and dev losses at the same steps, bit for bit (== on floats is the point).

The setting makes every branch of the rule happen: 70 samples in batches of 16 (a tail batch of 6), 3 epochs of 5
steps, eval_steps=4, so the model is evaluated at the end of epoch 0 (step 4), in the middle of epochs 1 and 2
(steps 8, 12) and at the last step (14, not a multiple of 4). Dropout makes train/eval mode matter, Adam makes the
optimizer state matter, and the dev set (45 samples) also ends in a tail batch.

Both sides running the same nndl.loops code, their agreement alone would also hold for a wrong loop (with
`optimizer.clear_grad()` dropped every comparison between them still passes). So both are also compared with the
training written out here by hand, in plain Paddle: forward, loss, backward, step, clear_grad, and an evaluation
whose accuracy is counted with NumPy. On the same machine the same Paddle operations in the same order give the same
bits, so the comparison with the reference is exact too.
"""

import io
from contextlib import redirect_stdout

import numpy as np
import paddle
import paddle.nn.functional as F
import pytest

from nndl import Accuracy, RunnerV3, make_moons
from nndl.experiment import LayerTrainable, Trainable
from nndl.loops import should_evaluate

NUM_TRAIN, NUM_DEV, BATCH_SIZE, NUM_EPOCHS, EVAL_STEPS = 70, 45, 16, 3, 4
STEPS_PER_EPOCH = 5  # ceil(70 / 16)
EXPECTED_EVAL_STEPS = [4, 8, 12, 14]


def data():
    paddle.seed(11)
    X, y = make_moons(NUM_TRAIN + NUM_DEV, shuffle=True, noise=0.3)
    y = y.reshape([-1, 1])
    return (X[:NUM_TRAIN], y[:NUM_TRAIN]), (X[NUM_TRAIN:], y[NUM_TRAIN:])


def model_and_optimizer():
    paddle.seed(0)
    model = paddle.nn.Sequential(paddle.nn.Linear(2, 16), paddle.nn.Tanh(), paddle.nn.Dropout(0.2),
                                 paddle.nn.Linear(16, 1))
    return model, paddle.optimizer.Adam(learning_rate=0.05, parameters=model.parameters())


def batches(X, y):
    return [(X[i:i + BATCH_SIZE], y[i:i + BATCH_SIZE]) for i in range(0, X.shape[0], BATCH_SIZE)]


def train_runner(tmp_path):
    train, dev = data()
    model, optimizer = model_and_optimizer()
    runner = RunnerV3(model, optimizer, F.binary_cross_entropy_with_logits, Accuracy(is_logist=True))
    paddle.seed(1)  # the dropout masks
    with redirect_stdout(io.StringIO()):
        runner.train(batches(*train), batches(*dev), num_epochs=NUM_EPOCHS, log_steps=0, eval_steps=EVAL_STEPS,
                     save_path=str(tmp_path / "best.pdparams"))
    return runner, dev


def train_trainable():
    train, dev = data()
    model, optimizer = model_and_optimizer()
    trainable = LayerTrainable(model, optimizer, F.binary_cross_entropy_with_logits, Accuracy(is_logist=True), train,
                               dev, batch_size=BATCH_SIZE, num_epochs=NUM_EPOCHS, eval_steps=EVAL_STEPS)
    paddle.seed(1)  # the same dropout masks: no shuffle, so nothing else draws random numbers
    records = [trainable.train_unit(unit) for unit in range(NUM_EPOCHS)]
    return trainable, records


def train_by_hand():
    """The reference: the same model, optimizer, batches and dropout masks, trained by a loop written out here.
    Returns (step losses [(step, loss)], epoch losses, dev evaluations [(step, accuracy, loss)], the model)."""
    train, dev = data()
    model, optimizer = model_and_optimizer()
    paddle.seed(1)
    step_losses, epoch_losses, evaluations, step = [], [], [], 0
    for _ in range(NUM_EPOCHS):
        model.train()
        losses = []
        for X, y in batches(*train):
            loss = F.binary_cross_entropy_with_logits(model(X), y)
            losses.append(loss.item())
            step_losses.append((step, losses[-1]))
            loss.backward()
            optimizer.step()
            optimizer.clear_grad()
            if step in EXPECTED_EVAL_STEPS:
                evaluations.append((step, *evaluate_by_hand(model, dev)))
                model.train()
            step += 1
        epoch_losses.append(sum(losses) / len(losses))
    return step_losses, epoch_losses, evaluations, model


def evaluate_by_hand(model, dev):
    """Accuracy (a logit >= 0 predicts class 1) counted with NumPy over all dev samples, and the mean batch loss."""
    model.eval()
    correct, count, losses = 0, 0, []
    with paddle.no_grad():
        for X, y in batches(*dev):
            logits = model(X)
            losses.append(F.binary_cross_entropy_with_logits(logits, y).item())
            correct += int(((logits.numpy() >= 0).astype(np.int64) == y.numpy().astype(np.int64)).sum())
            count += y.shape[0]
    return correct / count, sum(losses) / len(losses)


@pytest.fixture(scope="module")
def by_hand():
    return train_by_hand()


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    runner, dev = train_runner(tmp_path_factory.mktemp("contract"))
    trainable, records = train_trainable()
    return runner, dev, trainable, records


def test_the_setting_has_a_tail_batch_and_mid_epoch_and_last_step_evaluations():
    (X, _), (Xd, _) = data()
    assert X.shape[0] % BATCH_SIZE and Xd.shape[0] % BATCH_SIZE  # tail batches
    assert len(batches(*data()[0])) == STEPS_PER_EPOCH
    last = NUM_EPOCHS * STEPS_PER_EPOCH - 1
    assert last % EVAL_STEPS and last in EXPECTED_EVAL_STEPS  # the last step is evaluated for being last
    assert any(step % STEPS_PER_EPOCH != STEPS_PER_EPOCH - 1 for step in EXPECTED_EVAL_STEPS)  # mid-epoch ones


def test_step_losses_are_identical(both):
    runner, _, _, records = both
    trainable_steps = [tuple(pair) for record in records for pair in record["step_losses"]]
    assert len(runner.train_step_losses) == NUM_EPOCHS * STEPS_PER_EPOCH
    assert runner.train_step_losses == trainable_steps


def test_epoch_losses_are_identical(both):
    runner, _, _, records = both
    assert runner.train_epoch_losses == [record["train_loss"] for record in records]


def test_dev_scores_and_losses_are_identical_at_the_same_steps(both):
    runner, _, _, records = both
    dev = [entry for record in records for entry in record["dev"]]
    assert [step for step, _, _ in dev] == EXPECTED_EVAL_STEPS
    assert [step for step, _ in runner.dev_losses] == EXPECTED_EVAL_STEPS
    assert runner.dev_scores == [score for _, score, _ in dev]
    assert runner.dev_losses == [(step, loss) for step, _, loss in dev]
    assert len(set(runner.dev_scores)) > 1  # the scores move: the comparison is not between constants


def test_final_models_evaluate_identically(both):
    runner, dev, trainable, _ = both
    score, loss = runner.evaluate(batches(*dev))
    assert (score, loss) == trainable.evaluate()
    assert (score, loss) == (runner.dev_scores[-1], runner.dev_losses[-1][1])  # evaluated after the last step


def test_runner_equals_a_loop_written_out_by_hand(both, by_hand):
    runner, dev, _, _ = both
    step_losses, epoch_losses, evaluations, _ = by_hand
    assert runner.train_step_losses == step_losses
    assert runner.train_epoch_losses == epoch_losses
    assert list(zip(runner.dev_scores, runner.dev_losses)) == [(score, (step, loss)) for step, score, loss in evaluations]
    assert len({loss for _, loss in step_losses}) == len(step_losses)  # the losses move: not a constant compared


def test_trainable_equals_a_loop_written_out_by_hand(both, by_hand):
    _, dev, trainable, records = both
    step_losses, epoch_losses, evaluations, model = by_hand
    assert [tuple(pair) for record in records for pair in record["step_losses"]] == step_losses
    assert [record["train_loss"] for record in records] == epoch_losses
    assert [tuple(entry) for record in records for entry in record["dev"]] == evaluations
    assert trainable.evaluate() == evaluate_by_hand(model, dev)


def test_the_evaluation_rule():
    last = NUM_EPOCHS * STEPS_PER_EPOCH
    assert [s for s in range(last) if should_evaluate(s, EVAL_STEPS, last)] == EXPECTED_EVAL_STEPS
    assert not any(should_evaluate(s, 0, last) for s in range(last))  # eval_steps=0: never
    assert [s for s in range(8) if should_evaluate(s, 1, 8)] == list(range(1, 8))  # never step 0


def test_layer_trainable_is_a_trainable():
    trainable, _ = train_trainable()
    assert isinstance(trainable, Trainable)
    assert not isinstance(object(), Trainable)
