"""The exercises' recipe (nndl.sections.s7_3_exercises) and the comparison page's two added optimizers
(nndl.sections.s7_3_5_comparison)."""

import warnings

import numpy as np
import paddle
import pytest

from nndl.profile import sizes
from nndl.sections import s7_3_5_comparison as compare
from nndl.sections import s7_3_exercises as mnist_tasks
from nndl.op import AdaDelta, Nesterov, OptimizedFunction, OptimizedFunction3D
from nndl.loops import train_f
from nndl.trajectory import Trajectory


# ---------- the comparison recipe: AdaDelta and Nesterov join the comparison ----------

def test_names_settings_and_colors_cover_every_optimizer():
    assert compare.NAMES[:5] == ("SGD", "AdaGrad", "RMSprop", "Momentum", "Adam")
    assert set(compare.NAMES) == set(compare.CLASSES) == set(compare.COLORS)
    for experiment in ("2d", "fit", "3d"):
        assert list(compare.SETTINGS[experiment]) == list(compare.NAMES)
        assert set(compare.BOOK_SETTINGS[experiment]) == set(compare.NAMES[:5])  # the book's stay the book's


@pytest.mark.parametrize("name", ["AdaDelta", "Nesterov"])
def test_extra_optimizers_differ_only_in_learning_rate_across_experiments(name):
    """The comparison page asserts this for every optimizer in one of its cells."""
    kwargs = [compare.SETTINGS["2d"][name][0], compare.SETTINGS["fit"][name], compare.SETTINGS["3d"][name]]
    others = [{k: v for k, v in kw.items() if k != "init_lr"} for kw in kwargs]
    assert others[0] == others[1] == others[2]


def test_run_2d_and_3d_with_the_extra_optimizers_match_direct_runs():
    """A run's losses are its Trajectory's: train_f's values before each update, then the one after the last."""
    runs = compare.run_2d(names=("AdaDelta", "Nesterov"))
    for name, make in {"AdaDelta": lambda m: AdaDelta(1.0, m, 0.9, 1e-3), "Nesterov": lambda m: Nesterov(0.01, m, 0.9)}.items():
        model = OptimizedFunction(paddle.to_tensor([0.2, 2.0]))
        all_x, losses = train_f(model, make(model), paddle.to_tensor([3.0, 4.0]), 50)
        assert runs[name].losses[:50] == losses and len(runs[name].losses) == 51
        assert runs[name].losses == list(Trajectory.from_run(model, all_x, losses, 50).losses)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        runs_3d = compare.run_3d(names=("AdaDelta", "Nesterov"))
        model = OptimizedFunction3D()
        all_x, losses = train_f(model, Nesterov(0.01, model, 0.9), paddle.to_tensor([2.0, 3.0]), 150)
    assert runs_3d["Nesterov"].losses == list(Trajectory.from_run(model, all_x, losses, 150).losses)
    assert not runs_3d["AdaDelta"].warnings


# ---------- the exercises' recipe: the MNIST exercises' builder ----------

def test_paddle_optimizer_builds_the_named_paddle_optimizer():
    layer = paddle.nn.Linear(2, 1)
    opt = mnist_tasks.paddle_optimizer("AdamW", 0.001, layer.parameters(), {"weight_decay": 0.05})
    assert type(opt) is paddle.optimizer.AdamW
    opt = mnist_tasks.paddle_optimizer("Momentum", 0.01, layer.parameters(), {"momentum": 0.8})
    assert type(opt) is paddle.optimizer.Momentum


@pytest.mark.parametrize("args, error, argument", [
    (("Adamax", 0.001), ValueError, "optimizer"),
    (("Adam", 0), ValueError, "lr"),
    (("Adam", True), TypeError, "lr"),
    (("SGD", 0.1, {"momentum": 0.9}), ValueError, "options"),
])
def test_paddle_optimizer_names_the_bad_argument(args, error, argument):
    with pytest.raises(error, match=argument):
        mnist_tasks.paddle_optimizer(*args[:2], paddle.nn.Linear(2, 1).parameters(), *args[2:])


def test_profiles_and_configs():
    quick, full = sizes("7.3 练习", "quick"), sizes("7.3 练习", "full")
    assert quick["num_train"] <= 2000 and quick["num_epochs"] <= 2
    assert full["num_train"] == 60000 and full["num_test"] == 10000
    configs = mnist_tasks.configs({"a": ("Adam", 0.001, {}), "b": ("SGD", 0.04, {})}, "quick", seed=3)
    assert [c.name for c in configs] == ["a", "b"]
    assert configs[0].build == "nndl.sections.s7_3_exercises:optimizer_trainable"
    assert configs[1].params["optimizer"] == "SGD" and configs[1].units == quick["num_epochs"]
    assert all(c.seed == 3 for c in configs)


def dev_accuracy_and_loss_by_hand(model, num_test, batch_size):
    """Accuracy (argmax of the logits, counted with NumPy) and mean batch cross-entropy (log-softmax in float64) on
    the first `num_test` MNIST test images, in the batches LayerTrainable evaluates in (so every logit is the same
    float32 number and no argmax can tie differently). The loss is float32 in the trainable: rel=1e-5 above."""
    from nndl.data import load_mnist_arrays

    images, labels = load_mnist_arrays("test", num_test)
    X = paddle.to_tensor((images / np.float32(255)).reshape(-1, 1, 28, 28))
    model.eval()
    correct, losses = 0, []
    with paddle.no_grad():
        for start in range(0, num_test, batch_size):
            logits = model(X[start:start + batch_size]).numpy().astype(np.float64)
            y = labels[start:start + batch_size]
            correct += int((logits.argmax(axis=1) == y).sum())
            shifted = logits - logits.max(axis=1, keepdims=True)
            log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            losses.append(-log_p[np.arange(len(y)), y].mean())
    return correct / num_test, float(np.mean(losses))


def lenet_weight_norm_by_hand(model):
    """‖(conv1, conv2, fc1, fc2, fc3 weights)‖₂ in float64, the five weights named one by one (no biases)."""
    weights = [model.features[0].weight, model.features[3].weight, model.fc[0].weight, model.fc[1].weight,
               model.fc[2].weight]
    return float(np.sqrt(sum((w.numpy().astype(np.float64) ** 2).sum() for w in weights)))


def test_trainable_records_loss_dev_and_weight_norm_and_resumes_exactly():
    """Two units in one go equal one unit, a state round trip (a fresh build), then the second unit."""
    kwargs = dict(optimizer="AdamW", lr=0.001, num_train=128, num_test=64, num_epochs=2,
                  options={"weight_decay": 0.01}, batch_size=32, eval_steps=2)

    def fresh():
        paddle.seed(0)
        np.random.seed(0)
        return mnist_tasks.optimizer_trainable(**kwargs)

    a = fresh()
    np.random.seed(10)
    r0 = a.train_unit(0)
    np.random.seed(11)
    r1 = a.train_unit(1)
    assert len(r0["step_losses"]) == 4 and r1["step_losses"][0][0] == 4
    assert [step for step, _, _ in r0["dev"] + r1["dev"]] == [2, 4, 6, 7]  # every 2 steps and the last (7)
    # The last evaluation and the weight norm describe the final model: recomputed here from its parameters.
    _, score, loss = r1["dev"][-1]
    assert (score, loss) == pytest.approx(dev_accuracy_and_loss_by_hand(a.inner.model, 64, 32), rel=1e-5)
    assert score == dev_accuracy_and_loss_by_hand(a.inner.model, 64, 32)[0]  # a count: exact
    assert r1["weight_norm"] == pytest.approx(lenet_weight_norm_by_hand(a.inner.model), rel=1e-12)

    b = fresh()
    np.random.seed(10)
    b.train_unit(0)
    c = fresh()
    c.set_state_dict(b.state_dict())
    np.random.seed(11)
    r1_resumed = c.train_unit(1)
    assert r1_resumed["step_losses"] == r1["step_losses"]
    assert r1_resumed["weight_norm"] == r1["weight_norm"]


def test_summarize_collects_curves():
    class Fake:
        records = [{"step_losses": [[0, 2.0], [1, 1.0]], "dev": [[1, 0.5, 1.2]], "weight_norm": 3.0},
                   {"step_losses": [[2, 0.5]], "dev": [[2, 0.7, 0.9]], "weight_norm": 2.5}]

    s = mnist_tasks.summarize(Fake())
    assert s["losses"] == [2.0, 1.0, 0.5] and s["dev_acc"] == [0.5, 0.7]
    assert s["final_acc"] == 0.7 and s["weight_norm"] == 2.5
