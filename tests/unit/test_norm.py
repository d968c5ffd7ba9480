"""7.5: BatchNorm and LayerNorm against paddle.nn, the 7.5 MLP, the MNIST CNN, and the book's defects fixed.

Tolerances: outputs are O(1–5) float32 values; normalizing divides by σ computed in float32, so a few ulps of
the inputs become ~1e-6 in the outputs: OUTPUT_TOL = 2e-5. Gradients are sums over up to a few thousand terms and
are compared relative to their largest magnitude: GRAD_TOL = 2e-5. Moving averages are EMAs of O(1–10)
statistics: STAT_TOL = 1e-5.
"""

import math

import numpy as np
import paddle
import paddle.nn as nn
import pytest

from nndl.check import compare_batchnorm_with_paddle, compare_layernorm_with_paddle
from nndl.models import MLP, NormCNN
from nndl.profile import sizes
from nndl.sections.s7_5_normalization import accumulate_moving_averages
from nndl.op import BatchNorm, LayerNorm

OUTPUT_TOL = 2e-5
GRAD_TOL = 2e-5
STAT_TOL = 1e-5
LAYERS = [100, 200, 400, 300, 2, 2]
GAMMA = [1, 2, 3, 5, 4]
BETA = [3, 2, 1, 2, 2]


# ---------------------------------------------------------------- against Paddle

@pytest.mark.parametrize("shape", [[64, 20], [200, 3], [16, 8, 7, 7]])
@pytest.mark.parametrize("momentum", [0.9, 0.5])
def test_batchnorm_matches_paddle(shape, momentum):
    deviation = compare_batchnorm_with_paddle(shape, num_batches=6, momentum=momentum)
    assert deviation["train_output"] < OUTPUT_TOL, deviation
    assert deviation["grad"] < GRAD_TOL, deviation
    assert deviation["moving_mean"] < STAT_TOL, deviation
    assert deviation["moving_variance"] < STAT_TOL, deviation
    assert deviation["test_output"] < OUTPUT_TOL, deviation


@pytest.mark.parametrize("shape", [[10, 100], [4, 5, 30], [8, 20, 7, 7]])
def test_layernorm_matches_paddle(shape):
    deviation = compare_layernorm_with_paddle(shape)
    assert deviation["output"] < OUTPUT_TOL, deviation
    assert deviation["grad"] < GRAD_TOL, deviation


class SwappedMomentumBatchNorm(BatchNorm):
    """A plausible slip: moving = (1 − m)·old + m·batch."""

    def forward(self, X, train_mode=True):
        self.momentum = 1 - self.momentum
        try:
            return super().forward(X, train_mode)
        finally:
            self.momentum = 1 - self.momentum


def test_paddle_check_catches_swapped_momentum(monkeypatch):
    import nndl.check.norm
    monkeypatch.setattr(nndl.check.norm, "BatchNorm", SwappedMomentumBatchNorm)
    deviation = compare_batchnorm_with_paddle([64, 20], num_batches=3)
    assert deviation["train_output"] < OUTPUT_TOL  # the batch statistics are unaffected …
    assert deviation["moving_mean"] > 0.1  # … the moving averages are not


class DetachedStatisticsLayerNorm(LayerNorm):
    """A plausible slip: the statistics computed without gradient (as if constants). Same output, another gradient."""

    def forward(self, X):
        axes = [-1] if X.ndim in (2, 3) else [1, 2, 3]
        mean = paddle.mean(X, axis=axes, keepdim=True).detach()
        std = paddle.sqrt(paddle.mean((X - mean) ** 2, axis=axes, keepdim=True) + self.eps).detach()
        return self.gamma * (X - mean) / std + self.beta


class DetachedStatisticsBatchNorm(BatchNorm):
    def forward(self, X, train_mode=True):
        if not train_mode:
            return super().forward(X, train_mode)
        axes, shape = ([0], [1, -1]) if X.ndim == 2 else ([0, 2, 3], [1, -1, 1, 1])
        mean = paddle.mean(X, axis=axes, keepdim=True).detach()
        var = paddle.mean((X - mean) ** 2, axis=axes, keepdim=True).detach()
        with paddle.no_grad():
            m = self.momentum
            self.moving_mean.set_value(m * self.moving_mean + (1 - m) * mean.reshape([-1]))
            self.moving_variance.set_value(m * self.moving_variance + (1 - m) * var.reshape([-1]))
        X_hat = (X - mean) / paddle.sqrt(var + self.eps)
        return self.gamma.reshape(shape) * X_hat + self.beta.reshape(shape)


@pytest.mark.parametrize("compare, wrong, name, shape", [
    (compare_layernorm_with_paddle, DetachedStatisticsLayerNorm, "LayerNorm", [8, 20, 7, 7]),
    (compare_batchnorm_with_paddle, DetachedStatisticsBatchNorm, "BatchNorm", [16, 8, 7, 7]),
])
def test_paddle_checks_compare_the_input_gradient(monkeypatch, compare, wrong, name, shape):
    """The checkers compare our gradient with Paddle's, not with itself: statistics without gradient give the same
    output and moving averages, but an input gradient that differs by far more than GRAD_TOL (measured 0.047 and
    0.083)."""
    import nndl.check.norm
    monkeypatch.setattr(nndl.check.norm, name, wrong)
    deviation = compare(shape)
    assert deviation["output" if name == "LayerNorm" else "train_output"] < OUTPUT_TOL
    assert deviation["grad"] > 100 * GRAD_TOL, deviation


# ---------------------------------------------------------------- what the operators compute

def test_batchnorm_statistics_per_feature_and_per_channel():
    paddle.seed(1)
    X = 5 + 3 * paddle.randn([50, 4])
    Y = BatchNorm(4, gamma=2.0, beta=-1.0)(X).numpy()
    np.testing.assert_allclose(Y.mean(axis=0), -1.0, atol=1e-5)
    np.testing.assert_allclose(Y.std(axis=0), 2.0, rtol=1e-5)  # biased std, as the normalization uses
    X = 5 + 3 * paddle.randn([6, 3, 5, 5])
    Y = BatchNorm(3)(X).numpy()
    np.testing.assert_allclose(Y.mean(axis=(0, 2, 3)), 0.0, atol=1e-5)
    np.testing.assert_allclose(Y.std(axis=(0, 2, 3)), 1.0, rtol=1e-5)


def test_batchnorm_moving_average_formula_and_test_mode():
    paddle.seed(2)
    bn = BatchNorm(3, momentum=0.8)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), 0.0)
    np.testing.assert_array_equal(bn.moving_variance.numpy(), 1.0)
    mean, var = np.zeros(3), np.ones(3)
    for _ in range(4):
        X = 2 + paddle.randn([30, 3])
        bn(X)
        x = X.numpy().astype(np.float64)
        mean = 0.8 * mean + 0.2 * x.mean(axis=0)
        var = 0.8 * var + 0.2 * x.var(axis=0)  # biased variance
    np.testing.assert_allclose(bn.moving_mean.numpy(), mean, rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), var, rtol=1e-5)
    X = paddle.randn([5, 3])
    expected = (X.numpy() - mean) / np.sqrt(var + bn.eps)
    np.testing.assert_allclose(bn(X, train_mode=False).numpy(), expected, atol=1e-5)
    before = bn.moving_mean.numpy().copy()
    bn(X, train_mode=False)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), before)  # test mode leaves them alone


def layernorm_by_hand(X, axes, eps=1e-7, gamma=1.0, beta=0.0):
    """(X − mean) / sqrt(var + ε) · γ + β over `axes` of each sample, in float64 with NumPy."""
    X = X.astype(np.float64)
    mean = X.mean(axis=axes, keepdims=True)
    return (X - mean) / np.sqrt(((X - mean) ** 2).mean(axis=axes, keepdims=True) + eps) * gamma + beta


@pytest.mark.parametrize("shape, axes", [([7, 30], (1,)), ([4, 6, 30], (2,)), ([4, 3, 5, 5], (1, 2, 3))])
def test_layernorm_statistics_per_sample(shape, axes):
    """Each sample is normalized over all its features (2-D), its last axis (3-D), or all its channels, rows and
    columns together (4-D), compared element by element with the formula computed here. The input's offset (-6 to 6)
    and scale (1 to 3) change along axis 1 (the features in 2-D, the positions in 3-D, the channels in 4-D),
    so a normalization over other axes gives numbers O(1) away; statistics of the whole sample alone could not tell:
    per-channel normalization also has mean 0 and std 1 per sample. Tolerance: outputs of size ~1–5 in float32,
    whose x − mean loses at most offset/scale = 6 times float32's 1.2e-7 relative precision (~1e-6 · γ)."""
    where = [1, shape[1]] + [1] * (len(shape) - 2)
    offsets, scales = np.linspace(-6, 6, shape[1]).reshape(where), np.linspace(1, 3, shape[1]).reshape(where)
    X = (offsets + scales * np.random.RandomState(3).randn(*shape)).astype(np.float32)
    Y = LayerNorm(gamma=2.0, beta=-1.0)(paddle.to_tensor(X)).numpy()
    np.testing.assert_allclose(Y, layernorm_by_hand(X, axes, gamma=2.0, beta=-1.0), atol=2e-5)


# ---------------------------------------------------------------- the book's defects

class BookSqrtBatchNorm(BatchNorm):
    """The book's training branch: paddle.sqrt(var, self.eps) — the second argument is `name`."""

    def forward(self, X, train_mode=True):
        mean = paddle.mean(X, axis=0, keepdim=True)
        var = paddle.mean((X - mean) ** 2, axis=0, keepdim=True)
        return (X - mean) / paddle.sqrt(var, self.eps)


def _constant_feature_batch():
    X = paddle.randn([8, 3])
    X[:, 1] = 4.0  # a feature that is constant over the batch (e.g. a dead ReLU, a blank pixel)
    return X


@pytest.mark.parametrize("make", [lambda: BatchNorm(3), lambda: LayerNorm()])
def test_epsilon_is_added_so_a_constant_is_finite(make):
    X = _constant_feature_batch()
    if isinstance(make(), LayerNorm):
        X = paddle.full([2, 5], 4.0)  # a sample whose values are all equal
    Y = make()(X)
    assert bool(paddle.isfinite(Y).all())


def test_book_sqrt_gives_nan_on_a_constant_feature():
    Y = BookSqrtBatchNorm(3)(_constant_feature_batch())
    assert bool(paddle.isnan(Y[:, 1]).all())  # the check above fails on the book's version


class BookGraphBatchNorm(BatchNorm):
    """The book's moving averages: computed from tensors that carry the autograd graph."""

    def forward(self, X, train_mode=True):
        mean = paddle.mean(X, axis=0)
        self.moving_mean = self.momentum * self.moving_mean + (1 - self.momentum) * mean
        return X - mean


@pytest.mark.parametrize("cls, chains", [(BatchNorm, False), (BookGraphBatchNorm, True)])
def test_moving_average_carries_no_graph(cls, chains):
    bn = cls(3)
    for _ in range(3):
        X = paddle.randn([8, 3])
        X.stop_gradient = False  # as when X is a layer's output during training
        (bn(X) ** 2).sum().backward()
    assert (not bn.moving_mean.stop_gradient) == chains


def test_moving_averages_gamma_beta_in_state_dict_and_learnable():
    bn = BatchNorm(4, gamma=2.0, beta=0.5)
    assert {"gamma", "beta", "moving_mean", "moving_variance"} <= set(bn.state_dict())
    assert {name for name, _ in bn.named_parameters()} == {"gamma", "beta"}
    X = paddle.randn([8, 4])
    (bn(X) * paddle.randn([8, 4])).sum().backward()
    assert bn.gamma.grad is not None and bn.beta.grad is not None
    model = MLP(LAYERS, "standard_normal", None, nn.Tanh, "bn", GAMMA, BETA)
    keys = set(model.state_dict())
    assert all(f"normalization.{i}.moving_mean" in keys for i in range(5))


class Recorder(nn.Layer):
    def __init__(self):
        super().__init__()
        self.seen = []

    def forward(self, X, train_mode=True):
        self.seen.append(X.numpy().copy())
        return X


def test_warm_up_feeds_a_new_batch_each_pass():
    """7.5.1.4: the book draws `inputs` each pass but feeds `data`; here every pass gets its own batch."""
    paddle.seed(0)
    recorder = Recorder()
    accumulate_moving_averages(recorder, num_passes=5, batch_shape=(20, 4))
    assert len(recorder.seen) == 5
    assert all(recorder.seen[i].shape == (20, 4) for i in range(5))
    assert all(not np.array_equal(recorder.seen[i], recorder.seen[j]) for i in range(5) for j in range(i))


def test_warm_up_moving_averages_track_the_population():
    """Layer 1's net input z = xW (b = 0) has, over fresh x ~ N(0, I), mean 0 and variance ‖W_j‖².

    The moving average (momentum 0.9) of 50 passes weighs about (1 + 0.9) / (1 - 0.9) = 19 batches of 200, so with a
    fresh batch each pass it has seen ~3800 samples: each feature's relative error is ~√(2/3800) ≈ 0.023, on average
    |ratio - 1| ≈ 0.8 · 0.023 ≈ 0.018 (measured 0.018–0.021 for seeds 0–5). Feeding one batch every pass (the book's
    loop) leaves that batch's sampling error in place: ~√(2/200) ≈ 0.1, on average ≈ 0.08 (measured 0.075–0.093).
    The bound 0.04 lies between the two: the mean deviation checks that the batches are fresh. The median checks the
    scale (fresh batches: |median - 1| ≤ 0.011 for seeds 0–5; one batch: 0.0001–0.048, so it alone cannot tell)."""
    paddle.seed(0)
    model = MLP(LAYERS, "standard_normal", None, nn.Tanh, "bn")
    accumulate_moving_averages(model, num_passes=50)
    population = (model.linear[0].weight.numpy() ** 2).sum(axis=0)
    ratio = model.normalization[0].moving_variance.numpy() / population
    assert np.abs(ratio - 1).mean() < 0.04, f"mean |ratio - 1| = {np.abs(ratio - 1).mean():.3f}"
    assert abs(np.median(ratio) - 1) < 0.03


# ---------------------------------------------------------------- the 7.5 MLP

def test_mlp_keeps_the_7_4_behaviour():
    paddle.seed(0)
    model = MLP([10, 20, 3], "standard_normal", None, nn.Tanh)
    y = model(paddle.randn([4, 10]))
    assert model.normalization is None
    assert float(paddle.abs(model.z[0]).max()) <= 1.0  # hidden layer: after tanh
    np.testing.assert_array_equal(model.z[1].numpy(), y.numpy())
    np.testing.assert_array_equal(paddle.tanh(model.net_input[0]).numpy(), model.z[0].numpy())


def test_mlp_batchnorm_each_layer_mean_beta_std_gamma():
    paddle.seed(0)
    model = MLP(LAYERS, "standard_normal", None, nn.Tanh, "bn", GAMMA, BETA)
    model(paddle.randn([200, 100]))
    for i in range(5):
        z = model.z[i].numpy()
        np.testing.assert_allclose(z.mean(axis=0), BETA[i], atol=1e-4)
        np.testing.assert_allclose(z.std(axis=0), GAMMA[i], rtol=1e-4)


def test_mlp_layernorm_each_sample_mean_beta_std_gamma():
    paddle.seed(0)
    model = MLP(LAYERS, "standard_normal", None, nn.Tanh, "ln", GAMMA, BETA)
    model(paddle.randn([10, 100]))
    for i in range(5):
        z = model.z[i].numpy()
        np.testing.assert_allclose(z.mean(axis=1), BETA[i], atol=1e-4)
        np.testing.assert_allclose(z.std(axis=1), GAMMA[i], rtol=1e-4)


def test_mlp_test_mode_uses_moving_averages():
    paddle.seed(0)
    model = MLP(LAYERS, "standard_normal", None, nn.Tanh, "bn")
    accumulate_moving_averages(model, num_passes=3)
    X = paddle.randn([5, 100])
    model(X, train_mode=False)
    bn = model.normalization[0]
    z = paddle.matmul(X, model.linear[0].weight) + model.linear[0].bias
    expected = (z - bn.moving_mean) / paddle.sqrt(bn.moving_variance + bn.eps)
    np.testing.assert_allclose(model.z[0].numpy(), expected.numpy(), atol=1e-5)


# ---------------------------------------------------------------- the MNIST CNN

@pytest.mark.parametrize("norm, layer", [(None, nn.Identity), ("bn", nn.BatchNorm2D), ("ln", nn.LayerNorm)])
def test_norm_cnn_shapes_and_layers(norm, layer):
    paddle.seed(0)
    model = NormCNN(norm)
    assert isinstance(model.norm1, layer) and isinstance(model.norm2, layer)
    assert model(paddle.rand([3, 1, 28, 28])).shape == [3, 10]
    assert model.fc.weight.shape == [980, 10]
    if norm == "ln":
        assert list(model.norm1._normalized_shape) == [20, 28, 28]
        assert list(model.norm2._normalized_shape) == [20, 14, 14]


def test_full_profile_is_the_books_setting():
    assert sizes("7.5", "full") == {"num_train": 60000, "num_test": 10000, "num_epochs": 5, "eval_steps": 300}
    quick = sizes("7.5", "quick")
    assert quick["num_train"] < 60000 and quick["num_test"] <= 10000


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("kwargs, name, error", [
    ({"num_features": 0}, "num_features", ValueError), ({"num_features": 2.5}, "num_features", TypeError),
    ({"num_features": 3, "eps": -1e-7}, "eps", ValueError), ({"num_features": 3, "eps": math.nan}, "eps", ValueError),
    ({"num_features": 3, "momentum": 1.0}, "momentum", ValueError),
    ({"num_features": 3, "momentum": -0.1}, "momentum", ValueError),
    ({"num_features": 3, "momentum": True}, "momentum", TypeError),
    ({"num_features": 3, "gamma": math.inf}, "gamma", ValueError), ({"num_features": 3, "beta": "0"}, "beta", TypeError),
])
def test_batchnorm_rejects_bad_arguments(kwargs, name, error):
    with pytest.raises(error, match=name):
        BatchNorm(**kwargs)


def test_batchnorm_rejects_bad_input():
    bn = BatchNorm(3)
    with pytest.raises(ValueError, match=r"^X 必须是二维 \[N, D\] 或四维 \[N, C, H, W\] 张量，收到形状 \[4, 3, 5\]"):
        bn(paddle.randn([4, 3, 5]))  # 3-D
    with pytest.raises(ValueError, match="num_features"):
        bn(paddle.randn([4, 5]))  # feature count differs
    with pytest.raises(ValueError, match="num_features"):
        bn(paddle.randn([4, 5, 2, 2]))


@pytest.mark.parametrize("kwargs, name, error", [({"eps": -1.0}, "eps", ValueError), ({"gamma": math.nan}, "gamma", ValueError),
                                                ({"beta": None}, "beta", TypeError)])
def test_layernorm_rejects_bad_arguments(kwargs, name, error):
    with pytest.raises(error, match=name):
        LayerNorm(**kwargs)


def test_layernorm_rejects_bad_input():
    with pytest.raises(ValueError, match=r"^X 必须是二维、三维或四维张量，收到形状 \[5\]"):
        LayerNorm()(paddle.randn([5]))


@pytest.mark.parametrize("kwargs, name", [
    ({"norm_name": "gn"}, "norm_name"), ({"norm_name": "bn", "gamma": [1, 2]}, "gamma"),
    ({"norm_name": "ln", "beta": [0, 0, 0, 0, math.nan]}, "beta"),
])
def test_mlp_rejects_bad_norm_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        MLP(LAYERS, "standard_normal", None, nn.Tanh, **kwargs)


def test_norm_cnn_and_warm_up_reject_bad_arguments():
    with pytest.raises(ValueError, match="norm"):
        NormCNN("gn")
    with pytest.raises(ValueError, match="num_passes"):
        accumulate_moving_averages(Recorder(), num_passes=0)


def test_mnist_trainable_evaluates_on_the_test_set():
    """7.5.1.5: the book builds dev_loader from the training set; here the dev data is MNIST's test split."""
    from nndl.experiment import mnist_tensors
    from nndl.sections.s7_5_normalization import norm_trainable

    paddle.seed(0)
    trainable = norm_trainable("bn", num_train=128, num_test=50, num_epochs=1, eval_steps=1)
    dev_X, dev_y = trainable.dev_data
    test_X, test_y = mnist_tensors("test", 50)
    np.testing.assert_array_equal(dev_X.numpy(), test_X.numpy())
    np.testing.assert_array_equal(dev_y.numpy(), test_y.numpy())
    train_X, _ = mnist_tensors("train", 50)
    assert not np.array_equal(dev_X.numpy(), train_X.numpy())
    record = trainable.train_unit(0)
    assert [d[0] for d in record["dev"]] == [1]  # two steps; evaluation needs step > 0


def _conv_fc_parameters(norm, seed):
    from nndl.experiment.seeding import seed_all

    seed_all(seed)  # what the experiment runner does before it builds a configuration
    model = NormCNN(norm)
    return {k: v.numpy() for k, v in model.state_dict().items() if k.split(".")[0] in ("conv1", "conv2", "fc")}


def test_the_three_networks_start_from_the_same_conv_and_fc_parameters():
    """7.5.1.5 and exercise 7.8 say: one seed, so the conv and fc layers of none/bn/ln start from the same values
    (the normalization layers' initial values are constants and draw no random numbers)."""
    plain = _conv_fc_parameters(None, 0)
    assert sorted(plain) == ["conv1.bias", "conv1.weight", "conv2.bias", "conv2.weight", "fc.bias", "fc.weight"]
    for norm in ("bn", "ln"):
        other = _conv_fc_parameters(norm, 0)
        assert sorted(other) == sorted(plain)
        for key in plain:
            np.testing.assert_array_equal(other[key], plain[key], err_msg=f"{norm}: {key}")
    assert not np.array_equal(_conv_fc_parameters("bn", 1)["conv1.weight"], plain["conv1.weight"])


def _records(results):
    return {name: r.records for name, r in results.items()}


def test_one_pool_for_the_page_gives_each_network_the_results_of_its_own_pool():
    """7.5 trains none, bn and exercise 7.8's ln in one pool of two workers; each network's records equal those of the
    separate runs the page used to make (none and bn together, then ln alone), bit for bit."""
    from nndl.experiment import Config, run

    tiny = {"num_train": 192, "num_test": 64, "num_epochs": 2, "eval_steps": 2}
    configs = {norm: Config(name=norm or "none", build="nndl.sections.s7_5_normalization:norm_trainable",
                            params={"norm": norm, **tiny}, units=2, seed=0) for norm in (None, "bn", "ln")}
    together = run(list(configs.values()), workers=2, progress=False)
    apart = {**run([configs[None], configs["bn"]], workers=0, progress=False),
             **run([configs["ln"]], workers=0, progress=False)}
    assert _records(together) == _records(apart)
    assert together["ln"].records[-1]["dev"] != together["none"].records[-1]["dev"]


def test_the_test_set_side_of_seen_versus_unseen_is_the_final_networks_evaluation():
    """7.5.1.5's seen/unseen comparison reads the test-set side from the last evaluation record instead of
    evaluating again (about 3 s per network at the book's scale): it must equal a fresh evaluation of the trained
    network bit for bit, and a size other than the configuration's num_test is refused by name."""
    from nndl.experiment import Config, mnist_tensors, run
    from nndl.experiment.pool import single_threaded
    from nndl.sections.s7_5_normalization import seen_versus_unseen

    params = {"num_train": 96, "num_test": 40, "num_epochs": 2, "eval_steps": 1, "batch_size": 32}
    configs = [Config(name, "nndl.sections.s7_5_normalization:norm_trainable", {"norm": norm, **params}, units=2)
               for name, norm in (("none", None), ("bn", "bn"))]
    results = run(configs, workers=0)
    measured = seen_versus_unseen(results, 40)
    for name in ("none", "bn"):
        trainable = results[name].trainable()
        with single_threaded():  # as the runner evaluates: with OMP_NUM_THREADS=2 the last bits differ otherwise
            assert measured[name][0] == trainable.evaluate(mnist_tensors("train", 40))
            assert measured[name][1] == trainable.evaluate(mnist_tensors("test", 40))
    with pytest.raises(ValueError, match="num_images 必须等于.*40"):
        seen_versus_unseen(results, 30)
