"""RunnerV3 trains paddle.vision.models.LeNet on a small MNIST subset."""

import numpy as np
import paddle
import pytest
from paddle.vision.models import LeNet

from nndl import Accuracy, RunnerV3
from nndl.data import load_mnist_arrays, normalize_images


def batches(mode, count, batch_size):
    images, labels = load_mnist_arrays(mode, count)
    X, y = paddle.to_tensor(normalize_images(images)), paddle.to_tensor(labels.reshape(-1, 1))
    return [(X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, count, batch_size)]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    paddle.seed(0)
    model = LeNet(num_classes=10)
    runner = RunnerV3(model, paddle.optimizer.SGD(0.05, parameters=model.parameters()),
                      paddle.nn.functional.cross_entropy, Accuracy())
    save_path = tmp_path_factory.mktemp("runner") / "best.pdparams"
    runner.train(batches("train", 1024, 32), batches("test", 256, 128), num_epochs=3, log_steps=0, eval_steps=32,
                 save_path=str(save_path))
    return runner, save_path


def test_loss_falls_and_records_are_floats(trained):
    runner, _ = trained
    assert len(runner.train_epoch_losses) == 3 and len(runner.train_step_losses) == 96
    assert all(type(v) is float for v in runner.train_epoch_losses)
    # measured 0.21 of the first epoch's loss on every emulated machine: a CPU's rounding moves it by far less
    assert runner.train_epoch_losses[-1] < 0.7 * runner.train_epoch_losses[0]
    assert [step for step, _ in runner.dev_losses] == [32, 64, 95]


def test_evaluate_returns_an_accuracy_above_chance(trained):
    runner, _ = trained
    score, loss = runner.evaluate(batches("test", 256, 128))
    assert 0.5 < score <= 1.0 and np.isfinite(loss)  # measured 0.89 (chance: 0.1)
    assert runner.best_score == max(runner.dev_scores)


def test_save_and_load_round_trip_to_identical_predictions(trained, tmp_path):
    runner, best_path = trained
    assert best_path.is_file()
    path = str(tmp_path / "final.pdparams")
    runner.save_model(path)
    X = batches("test", 64, 64)[0][0]
    expected = runner.predict(X).numpy()
    other = RunnerV3(LeNet(num_classes=10), None, None, Accuracy())
    assert not np.array_equal(other.predict(X).numpy(), expected)
    other.load_model(path)
    np.testing.assert_array_equal(other.predict(X).numpy(), expected)


class SpyLoss:
    """A loss that refuses to be added up: the book's RunnerV3 sums loss tensors, keeping every step's graph."""

    def __init__(self, loss):
        self.loss = loss

    def item(self):
        return self.loss.item()

    def backward(self):
        self.loss.backward()

    def __radd__(self, other):
        raise AssertionError("RunnerV3 accumulated a graph-carrying loss tensor")

    __add__ = __radd__


def test_epoch_loss_is_accumulated_as_python_floats():
    paddle.seed(0)
    model = LeNet(num_classes=10)
    runner = RunnerV3(model, paddle.optimizer.SGD(0.01, parameters=model.parameters()),
                      lambda logits, y: SpyLoss(paddle.nn.functional.cross_entropy(logits, y)), None)
    runner.train(batches("train", 64, 32), num_epochs=1, log_steps=0)
    assert len(runner.train_epoch_losses) == 1


def test_accuracy_counts_and_rejects_empty():
    metric = Accuracy()
    with pytest.raises(ValueError, match="update"):
        metric.accumulate()
    metric.update(paddle.to_tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]), paddle.to_tensor([[1], [1], [1]]))
    metric.update(paddle.to_tensor([[2.0], [-1.0]]), paddle.to_tensor([[1], [0]]))
    assert metric.accumulate() == pytest.approx(4 / 5)


def test_eval_steps_without_dev_loader_is_an_error():
    model = LeNet(num_classes=10)
    runner = RunnerV3(model, paddle.optimizer.SGD(0.01, parameters=model.parameters()),
                      paddle.nn.functional.cross_entropy, Accuracy())
    with pytest.raises(ValueError, match="dev_loader"):
        runner.train([], num_epochs=1, eval_steps=10)
