"""nndl.models.MLP and the 7.4 recipe (nndl.sections.s7_4_initialization): the 7.4 MLP (initialization by name, every layer's output recorded in z) and layer_variances."""

import math

import numpy as np
import paddle
import paddle.nn as nn
import pytest

from nndl.init import xavier_normal_std, xavier_uniform_r
from nndl.models import MLP
from nndl.sections.s7_4_initialization import layer_variances

SIZES = [100, 200, 400, 300, 200, 100]


def manual_forward(model, X, act):
    """The forward pass written out with NumPy from the model's parameters (float64)."""
    outputs, y = [], X.astype(np.float64)
    for i, linear in enumerate(model.linear):
        y = y @ linear.weight.numpy().astype(np.float64) + linear.bias.numpy().astype(np.float64)
        if i != len(model.linear) - 1:
            y = act(y)
        outputs.append(y)
    return outputs


@pytest.mark.parametrize("act_fn, act", [(nn.Tanh, np.tanh), (nn.ReLU, lambda v: np.maximum(v, 0))])
def test_forward_records_every_layer_output(act_fn, act):
    paddle.seed(0)
    model = MLP(SIZES, "normal", xavier_normal_std, act_fn)
    X = paddle.normal(0.0, 1.0, [7, 100])
    out = model(X)
    assert sorted(model.z) == list(range(5))
    expected = manual_forward(model, X.numpy(), act)
    for i in range(5):
        assert model.z[i].shape == [7, SIZES[i + 1]]
        # float32 matrix products of length <= 400 against float64: relative error ~1e-6, allow 1e-4 absolute
        np.testing.assert_allclose(model.z[i].numpy(), expected[i], rtol=1e-4, atol=1e-4)
    assert out is model.z[4]  # the output layer is linear: no activation on it
    assert np.abs(out.numpy()).max() > 0 and not np.allclose(out.numpy(), act(out.numpy()))


def test_z_are_the_graph_tensors_so_gradients_reach_them():
    paddle.seed(0)
    model = MLP([4, 5, 3], "normal", xavier_normal_std, nn.Tanh)
    out = model(paddle.normal(0.0, 1.0, [2, 4]))
    (g0,) = paddle.grad(out.sum(), [model.z[0]])
    # d sum(out) / d z0 = 1 @ W1^T for every sample
    W1 = model.linear[1].weight.numpy()
    np.testing.assert_allclose(g0.numpy(), np.tile(W1.sum(axis=1), (2, 1)), rtol=1e-5, atol=1e-6)


def weights(model):
    return [layer.weight.numpy().astype(np.float64) for layer in model.linear]


def test_initialization_by_name():
    """The expected scales are the book's formulas written out here, not nndl.init's (which MLP is given): a wrong
    nndl.init formula fails this test too, not only tests/unit/test_init.py."""
    big = [300, 500, 400]
    paddle.seed(1)
    normal = MLP(big, "normal", xavier_normal_std, nn.Tanh)
    uniform = MLP(big, "uniform", xavier_uniform_r, nn.Tanh)
    standard = MLP(big, "anything else", None, nn.Tanh)
    for (m_in, m_out), w_n, w_u, w_s in zip(zip(big[:-1], big[1:]), weights(normal), weights(uniform),
                                          weights(standard)):
        n = m_in * m_out
        # sample std of n Gaussian draws: relative standard error 1/sqrt(2n) (< 0.15% here); allow 6 of them
        assert abs(w_n.std() / math.sqrt(2 / (m_in + m_out)) - 1) < 6 / math.sqrt(2 * n)
        assert abs(w_s.std() - 1) < 6 / math.sqrt(2 * n)
        r = math.sqrt(6 / (m_in + m_out))
        assert np.abs(w_u).max() <= r * (1 + 1e-6) and np.abs(w_u).max() > r * (1 - 1e-3)
        assert abs(w_u.mean()) < 6 * r / math.sqrt(3 * n)  # centred: U[-r, r], not U[0, r]
    for model in (normal, uniform, standard):
        for layer in model.linear:
            assert not layer.bias.numpy().any()  # biases start at 0


def test_normalize_hook_is_called_before_the_activation_of_every_layer():
    """7.5 normalizes every layer (the book gives one γ, β per layer, the output layer included)."""
    calls = []

    class Recording(MLP):
        def normalize(self, i, y, train_mode=True):
            calls.append(i)
            return y * 0  # everything after it is then tanh(0) = 0

    paddle.seed(0)
    model = Recording([3, 4, 4, 2], "normal", xavier_normal_std, nn.Tanh)
    model(paddle.ones([2, 3]))
    assert calls == [0, 1, 2]
    assert not any(model.z[i].numpy().any() for i in range(3))


@pytest.mark.parametrize("kwargs, error, word", [
    ({"layers_size": [100]}, ValueError, "layers_size"),
    ({"layers_size": [100, 0, 3]}, ValueError, "layers_size"),
    ({"layers_size": [100, 2.5]}, TypeError, "layers_size"),
    ({"layers_size": "100,200"}, TypeError, "layers_size"),
    ({"init_fn_name": 1}, TypeError, "init_fn_name"),
    ({"init_fn": None}, TypeError, "init_fn"),
    ({"init_fn": "xavier"}, TypeError, "init_fn"),
    ({"init_fn": lambda i, o: -1.0}, ValueError, "init_fn"),
    ({"init_fn": lambda i, o: float("nan")}, ValueError, "init_fn"),
    ({"act_fn": nn.Tanh()}, TypeError, "act_fn"),
    ({"act_fn": np.tanh}, TypeError, "act_fn"),
])
def test_bad_input_names_the_argument(kwargs, error, word):
    args = {"layers_size": [4, 3, 2], "init_fn_name": "normal", "init_fn": xavier_normal_std, "act_fn": nn.Tanh}
    args.update(kwargs)
    with pytest.raises(error, match=word):
        MLP(**args)


def test_layer_variances_matches_a_direct_measurement_and_is_seeded():
    def build():
        return MLP([20, 30, 10], "normal", xavier_normal_std, nn.Tanh)

    forward, backward = layer_variances(build, num_nets=3, num_inputs=50, input_std=0.5, seed=4)
    assert forward.shape == backward.shape == (3, 2)
    again = layer_variances(build, num_nets=3, num_inputs=50, input_std=0.5, seed=4)
    np.testing.assert_array_equal(forward, again[0])
    np.testing.assert_array_equal(backward, again[1])
    # Net k = 1 by hand: the same seed, the same draws in the same order.
    paddle.seed(5)
    model = build()
    X = paddle.normal(0.0, 0.5, [50, 20])
    out = model(X)
    g = paddle.normal(0.0, 1.0, out.shape)
    z0 = model.z[0].numpy().astype(np.float64)
    assert forward[1, 0] == pytest.approx(z0.var(), rel=1e-12)
    assert forward[1, 1] == pytest.approx(out.numpy().astype(np.float64).var(), rel=1e-12)
    assert backward[1, 1] == pytest.approx(g.numpy().astype(np.float64).var(), rel=1e-12)
    # dL/dz0 = (g @ W1^T) for L = sum(g * out), out = z0 @ W1 + b1
    grad0 = g.numpy().astype(np.float64) @ model.linear[1].weight.numpy().astype(np.float64).T
    assert backward[1, 0] == pytest.approx(grad0.var(), rel=1e-4)


@pytest.mark.parametrize("kwargs, word", [({"num_nets": 1}, "num_nets"), ({"num_inputs": 0}, "num_inputs"),
                                          ({"input_std": 0}, "input_std")])
def test_layer_variances_bad_input_names_the_argument(kwargs, word):
    with pytest.raises(ValueError, match=word):
        layer_variances(lambda: MLP([2, 2], "normal", xavier_normal_std), **kwargs)


# --- 7.4.2.3: the moons experiment's builder ---

def test_moons_split_is_the_seeded_make_moons_split():
    from nndl import make_moons
    from nndl.data import moons_split

    paddle.seed(7)
    (X_train, y_train), (X_dev, y_dev) = moons_split(n_samples=300, noise=0.5, num_train=200)
    paddle.seed(7)
    X, y = make_moons(n_samples=300, shuffle=True, noise=0.5)
    assert X_train.shape == [200, 2] and y_train.shape == [200, 1] and X_dev.shape == [100, 2]
    np.testing.assert_array_equal(np.concatenate([X_train.numpy(), X_dev.numpy()]), X.numpy())
    np.testing.assert_array_equal(np.concatenate([y_train.numpy(), y_dev.numpy()])[:, 0], y.numpy())
    with pytest.raises(ValueError, match="num_train"):
        moons_split(n_samples=300, num_train=300)


def test_moons_trainable_is_the_books_configuration_and_trains():
    from nndl.sections.s7_4_initialization import MOONS_LAYERS, init_trainable

    paddle.seed(0)
    np.random.seed(0)
    trainable = init_trainable("xavier_normal", num_epochs=21)
    model = trainable.model
    assert isinstance(model, MLP) and model.layers_size == list(MOONS_LAYERS) == [2, 300, 500, 700, 400, 1]
    assert isinstance(model.act_fn, nn.Tanh)
    for m_in, m_out, w in zip([300, 500, 700], [500, 700, 400], weights(model)[1:4]):  # >= 150 000 draws each
        assert abs(w.std() / math.sqrt(2 / (m_in + m_out)) - 1) < 6 / math.sqrt(2 * w.size)  # the book's Xavier
    assert isinstance(trainable.optimizer, paddle.optimizer.SGD) and trainable.optimizer.get_lr() == 0.005
    assert trainable.batch_size == 10 and trainable.shuffle and trainable.steps_per_epoch == 20
    # RunnerV3's rule with eval_steps=400: evaluate at step 400 and at the last step (419 for 21 epochs).
    assert trainable._eval_steps_in(0) == [] and trainable._eval_steps_in(20) == [400, 419]
    first = trainable.train_unit(0)
    second = trainable.train_unit(1)
    assert len(first["step_losses"]) == 20 and first["dev"] == []
    assert second["train_loss"] < first["train_loss"]  # Xavier/Tanh learns in the first epochs (0.60 -> 0.51)


def test_moons_trainable_initializations_and_activation_by_name():
    """Expected scales written out (He: sqrt(2 / fan_in); U[-r, r] with r = sqrt(6 / fan_in)), not taken from
    nndl.init."""
    from nndl.sections.s7_4_initialization import init_trainable

    paddle.seed(0)
    he = init_trainable("kaiming_normal", act="relu", num_epochs=1).model
    assert isinstance(he.act_fn, nn.ReLU)
    w = he.linear[2].weight.numpy()  # [500, 700]: 350 000 draws, std error of the std 0.12%
    assert abs(w.std() / math.sqrt(2 / 500) - 1) < 6 / math.sqrt(2 * w.size)
    he_uniform = init_trainable("kaiming_uniform", act="relu", num_epochs=1).model
    w = he_uniform.linear[2].weight.numpy()
    r = math.sqrt(6 / 500)  # P(max |w| < (1 - 1e-3) r) = (1 - 1e-3)^350000: never
    assert (1 - 1e-3) * r < np.abs(w).max() <= r * (1 + 1e-6)
    xavier_uniform = init_trainable("xavier_uniform", num_epochs=1).model
    w = xavier_uniform.linear[2].weight.numpy()
    r = math.sqrt(6 / (500 + 700))
    assert (1 - 1e-3) * r < np.abs(w).max() <= r * (1 + 1e-6)
    standard = init_trainable("standard_normal", num_epochs=1).model
    w = standard.linear[2].weight.numpy()
    assert abs(w.std() - 1) < 6 / math.sqrt(2 * w.size)
    with pytest.raises(ValueError, match="init"):
        init_trainable("xavier", num_epochs=1)
    with pytest.raises(ValueError, match="act"):
        init_trainable("xavier_normal", act="sigmoid", num_epochs=1)
