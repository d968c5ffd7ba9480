"""7.6 节的训练与作图（配方 nndl/sections/s7_6_regularization.py，以及它用到的 nndl.data.moons_split、
nndl.loops、nndl.plot.show_class_boundary、nndl.check.layers）：数据划分、准确率、训练函数、trainable 的状态与运行器、
ℓ2 与 Paddle 的 L2Decay 对照、分类边界图。"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import paddle  # noqa: E402
import pytest  # noqa: E402

from nndl.check import compare_weight_decay_with_paddle  # noqa: E402
from nndl.data import moons_split  # noqa: E402
from nndl.loops import eval_accuracy, train_model  # noqa: E402
from nndl.plot import predict_grid, show_class_boundary  # noqa: E402
from nndl.profile import sizes  # noqa: E402
from nndl.sections import s7_6_regularization as R  # noqa: E402
from nndl.experiment import run, unit_seed  # noqa: E402
from nndl.experiment.pool import single_threaded  # noqa: E402
from nndl.op import MLP_3L, BatchGD, BinaryCrossEntropyWithLogits  # noqa: E402


def test_moons_split_shapes_and_determinism():
    paddle.seed(0)
    (a0, a1), (a2, a3) = moons_split()
    a = [a0, a1, a2, a3]
    paddle.seed(0)
    b = [t for pair in moons_split() for t in pair]
    assert [list(t.shape) for t in a] == [[200, 2], [200, 1], [100, 2], [100, 1]]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    labels = np.concatenate([a[1].numpy(), a[3].numpy()])
    assert set(np.unique(labels)) == {0.0, 1.0} and labels.sum() == 150
    with pytest.raises(ValueError, match="num_train"):
        moons_split(num_train=300)


def test_eval_accuracy_uses_logit_threshold_zero_in_test_mode():
    """7.6 的准确率由 logits 以 0 为阈值算出（即 σ(o) ≥ 0.5），在测试模式下（Dropout 不丢弃）。"""

    class Fixed(paddle.nn.Layer):
        def forward(self, X):
            return X if not self.training else X * 0 - 1  # 训练模式下全判为负类：必须在测试模式下求值

    model = Fixed()
    logits = paddle.to_tensor([[-1.0], [0.0], [2.0], [-0.5]])
    assert eval_accuracy(model, logits, paddle.to_tensor([[0.0], [1.0], [1.0], [1.0]])) == 0.75
    assert model.training


def test_train_model_logs_every_100_and_prints(capsys):
    paddle.seed(0)
    (X_train, y_train), (X_test, y_test) = moons_split()
    model, loss_fn, opt = R.build_model()
    losses, train_acc, test_acc = train_model(X_train, y_train, X_test, y_test, model, opt, loss_fn, 300)
    assert [i for i, _ in losses] == [100, 200, 300]
    assert losses[-1][1] < losses[0][1]
    out = capsys.readouterr().out
    assert f"train accuracy: {train_acc:.4f}" in out and f"test accuracy: {test_acc:.4f}" in out
    assert 0.5 < train_acc <= 1


def test_evaluation_of_dropout_model_is_deterministic():
    paddle.seed(0)
    (X_train, y_train), _ = moons_split()
    model, _, _ = R.build_model(drop_rate=0.5)
    accs = {eval_accuracy(model, X_train, y_train) for _ in range(5)}
    assert len(accs) == 1
    assert model.dropout1.training  # 评估后回到训练模式


def l2_loss_against_paddle_l2decay(lambd, loss_class=BinaryCrossEntropyWithLogits, steps=50):
    """BatchGD on the ℓ2-regularized loss against Paddle's SGD with L2Decay(λ/N) on the weights only, each step from
    the same parameters (copied to Paddle's net first): the largest deviation of any parameter after any step.
    Free-running, the two sides' rounding accumulates (to ~1e-6 in 50 steps) and, where a sample's net input is near
    0, can make them take different ReLU derivatives, a CPU-dependent outcome; one step from the same point is not."""
    paddle.seed(0)
    (X, y), _ = moons_split()
    N, lr = X.shape[0], 0.2
    paddle.seed(3)
    model = MLP_3L([2, 20, 3, 1])
    loss_fn = loss_class(model, lambd)
    opt = BatchGD(lr, model)
    attr = paddle.ParamAttr(regularizer=paddle.regularizer.L2Decay(lambd / N))
    net = paddle.nn.Sequential(paddle.nn.Linear(2, 20, weight_attr=attr), paddle.nn.ReLU(),
                               paddle.nn.Linear(20, 3, weight_attr=attr), paddle.nn.ReLU(),
                               paddle.nn.Linear(3, 1, weight_attr=attr))
    pairs = list(zip((model.fc1, model.fc2, model.fc3), (net[0], net[2], net[4])))
    for ours, _ in pairs:
        ours.params["b"] = paddle.full(ours.params["b"].shape, 0.05)
    popt = paddle.optimizer.SGD(learning_rate=lr, parameters=net.parameters())
    worst = 0.0
    for _ in range(steps):
        for ours, theirs in pairs:
            theirs.weight.set_value(ours.params["W"])
            theirs.bias.set_value(ours.params["b"].reshape([-1]))
        loss_fn(model(X), y)
        loss_fn.backward()
        opt.step()
        o = net(X)
        ref = -paddle.mean(y * paddle.nn.functional.log_sigmoid(o) + (1 - y) * paddle.nn.functional.log_sigmoid(-o))
        ref.backward()
        popt.step()
        popt.clear_grad()
        for ours, theirs in pairs:
            worst = max(worst, float(np.abs(ours.params["W"].numpy() - theirs.weight.numpy()).max()),
                        float(np.abs(ours.params["b"].numpy().ravel() - theirs.bias.numpy()).max()))
    return worst


# One update from the same point: a few float32 ulps (measured 1.2e-7); the coefficient λ instead of λ/N
# (below) differs by 0.36.
ONE_STEP_TOL = 1e-5


def test_l2_loss_with_batchgd_equals_paddle_l2decay_on_weights_only():
    """λ/(2N)·Σ‖W‖² 加在损失里 = 只对权重加 L2Decay(λ/N)（ParamAttr），偏置不加；SGD 逐步相同。"""
    assert l2_loss_against_paddle_l2decay(0.7) < ONE_STEP_TOL


class L2WithoutN(BinaryCrossEntropyWithLogits):
    """A plausible slip: the ℓ2 gradient λW instead of λW/N (the loss's 1/N forgotten in backward)."""

    def backward(self):
        super().backward()
        N = self.predicts.shape[0]
        for layer in (self.model.fc1, self.model.fc2, self.model.fc3):
            layer.grads["W"] = layer.grads["W"] + (N - 1) * self.lambd / N * layer.params["W"]


def test_l2_with_a_wrong_coefficient_fails_the_comparison():
    assert l2_loss_against_paddle_l2decay(0.7, L2WithoutN) > ONE_STEP_TOL


def manual_run(params, units, seed=0):
    """不经运行器，按运行器的约定训练：构建前 seed，每个单位前 unit_seed，只用一个线程（运行器的每个单位都这样训练；
    线程数不同，求和顺序就不同，OMP_NUM_THREADS=4 时结果的末几位会与运行器的不同）。"""
    paddle.seed(seed)
    np.random.seed(seed)
    trainable = R.regularization_trainable(**params)
    records = []
    with single_threaded():
        for u in range(units):
            paddle.seed(unit_seed(seed, u))
            records.append(trainable.train_unit(u))
    return trainable, records


@pytest.mark.parametrize("params", [{}, {"drop_rate": 0.3}])
def test_trainable_state_roundtrip_continues_bit_identically(params):
    params = {**params, "iters_per_unit": 40, "log_every": 20}
    whole, records = manual_run(params, 3)
    paddle.seed(0)
    first = R.regularization_trainable(**params)
    with single_threaded():  # as manual_run trains
        paddle.seed(unit_seed(0, 0))
        first.train_unit(0)
    state = first.state_dict()
    paddle.seed(0)
    second = R.regularization_trainable(**params)  # 另一个对象（相当于另一个进程）接着训练
    second.set_state_dict(state)
    rest = []
    with single_threaded():
        for u in (1, 2):
            paddle.seed(unit_seed(0, u))
            rest.append(second.train_unit(u))
    assert rest == records[1:]
    for key, value in whole.state_dict().items():
        np.testing.assert_array_equal(value, second.state_dict()[key])
    assert [i for i, _ in records[2]["losses"]] == [100, 120]


def test_runner_in_process_matches_manual_loop():
    params = {"drop_rate": 0.3, "iters_per_unit": 30, "log_every": 10}
    from nndl.experiment import Config
    results = run([Config(name="d", build=R.BUILD, params=params, units=2, seed=0)],
                  workers=0, progress=False)
    _, records = manual_run(params, 2)
    assert results["d"].records == records


def test_configs_follow_profiles():
    assert sizes("7.6", "full") == {"num_iters": 50_000, "exercise_num_iters": 50_000}
    quick = sizes("7.6", "quick")
    configs = R.regularization_configs(quick["num_iters"])
    assert [c.name for c in configs] == ["none", "l2", "weight_decay", "dropout"]
    assert all(c.units * c.params["iters_per_unit"] == quick["num_iters"] for c in configs)
    assert configs[1].params["lambd"] == 0.7 and configs[2].params["weight_decay"] == 0.001
    assert configs[3].params["drop_rate"] == 0.3
    assert len({c.seed for c in configs}) == 1
    full = R.regularization_configs(50_000)
    assert all(c.units * c.params["iters_per_unit"] == 50_000 for c in full)
    names = [c.name for c in R.exercise_configs(3000)]
    assert names[0] == "lambd=0.7" and "weight_decay=0.05" in names and "drop_rate=0.9" in names
    with pytest.raises(ValueError, match="num_iters"):
        R.regularization_configs(1500)
    with pytest.raises(ValueError, match="values"):
        R.exercise_configs(1000, values={"lr": [1.0]})
    with pytest.raises(ValueError, match="profile"):
        sizes("7.6", "medium")


def test_trainable_rejects_bad_arguments():
    with pytest.raises(ValueError, match="iters_per_unit"):
        R.RegularizationTrainable(iters_per_unit=0)
    with pytest.raises(ValueError, match="log_every"):
        R.RegularizationTrainable(log_every=0)


def test_class_boundary_is_one_image_and_matches_predictions():
    paddle.seed(0)
    (X_train, y_train), _ = moons_split()
    model, _, _ = R.build_model()
    fig, ax = plt.subplots()
    show_class_boundary(model, X_train, y_train, ax=ax, title="t")
    assert len(ax.images) == 1 and ax.images[0].get_array().shape == (200, 200)
    assert sum(len(c.get_offsets()) for c in ax.collections) == 200  # 只画训练样本
    assert ax.get_xlim() == (-2.0, 3.0) and ax.get_ylim() == (-3.0, 3.0)
    plt.close(fig)
    x1, x2, classes = predict_grid(model)
    # 网格 (行 j, 列 i) 对应点 (x1[i], x2[j])
    for i, j in [(0, 0), (57, 150), (199, 3)]:
        point = paddle.to_tensor([[x1[i], x2[j]]])
        assert classes[j, i] == int(model(point).item() >= 0)


def test_loss_curve_and_final_accuracy():
    params = {"iters_per_unit": 200}
    from nndl.experiment import Config
    results = run([Config(name="n", build=R.BUILD, params=params, units=2, seed=0)],
                  workers=0, progress=False)
    steps, losses = R.loss_curve(results["n"])
    assert list(steps) == list(range(100, 401, 100)) and len(losses) == 4
    assert R.final_accuracy(results["n"]) == (results["n"].records[-1]["train_acc"],
                                              results["n"].records[-1]["test_acc"])


def test_compare_weight_decay_with_paddle_detects_wrong_coefficient(monkeypatch):
    paddle.seed(0)
    (X, y), _ = moons_split()
    assert compare_weight_decay_with_paddle(X, y, 0.2, 0.001, 20).max() < 1e-5
    # 优化器若不衰减偏置，对照必须发现
    from nndl.op import layers

    def no_bias_decay(self, x, g, state):
        return x - self.init_lr * g if x.shape[0] == 1 else (1 - self.weight_decay) * x - self.init_lr * g

    monkeypatch.setattr(layers.BatchGD, "update", no_bias_decay)
    assert compare_weight_decay_with_paddle(X, y, 0.2, 0.001, 20).max() > 1e-5


def test_every_configuration_of_a_seed_starts_from_the_same_data_and_parameters():
    """7.6 and exercise 7.9 say: one seed, so every run has the same data and initial parameters (dropout's model
    draws its masks only when training)."""
    from nndl.experiment.seeding import seed_all

    def built(params, seed=0):
        seed_all(seed)  # what the experiment runner does before it builds a configuration
        trainable = R.regularization_trainable(**params)
        # the parameters in layer order (the dropout model numbers its layers differently: dropout layers between)
        return trainable.X_train.numpy(), [(k.rsplit(".", 1)[1], v) for k, v in trainable.state_dict().items() if k != "t"]

    X, reference = built(R.RUNS["none"])
    configs = R.regularization_configs(1000) + R.exercise_configs(1000)
    assert len(configs) == len(R.RUNS) + sum(len(v) for v in R.EXERCISE_VALUES.values())
    for config in configs:
        X_other, state = built(config.params)
        np.testing.assert_array_equal(X_other, X, err_msg=config.name)
        assert [k for k, _ in state] == [k for k, _ in reference] == ["W", "b"] * 3, config.name
        for k, ((_, value), (_, expected)) in enumerate(zip(state, reference)):
            np.testing.assert_array_equal(value, expected, err_msg=f"{config.name}: parameter {k}")
    _, other_seed = built(R.RUNS["none"], seed=1)
    assert not np.array_equal(other_seed[0][1], reference[0][1])


def test_one_pool_for_the_page_gives_each_configuration_the_results_of_its_own_pool():
    """7.6 trains its four runs and exercise 7.9's nine in one pool; each configuration's records equal those of the two
    separate pools the page used to run, bit for bit."""
    runs, exercise = R.regularization_configs(2000), R.exercise_configs(2000, values={"drop_rate": [0.7]})
    together = run(runs + exercise, workers=2, progress=False)
    apart = {**run(runs, workers=0, progress=False), **run(exercise, workers=0, progress=False)}
    assert list(together) == [c.name for c in runs + exercise]
    assert {n: r.records for n, r in together.items()} == {n: r.records for n, r in apart.items()}
