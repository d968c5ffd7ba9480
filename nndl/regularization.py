"""第 7.6 节：在带噪声的两个半月形数据上训练手写的三层网络，比较不加正则化、ℓ2 正则化、权重衰减与 Dropout。

- `moons_split`：7.6.1 的数据（300 个样本，前 200 个训练、后 100 个测试，标签形状 `[N, 1]`）；
- `accuracy_logits`：由 logits 计算准确率；
- `train_model`：书中的全批量训练函数（每 100 次迭代记录一次损失，最后打印训练集与测试集准确率）；
- `show_class_boundary`：在平面上按预测类别填色，画出分类边界与训练样本；
- `MoonsTrainable`、`moons_trainable`：同一个训练过程写成实验运行器（`nndl.experiment`）的 trainable，
  一个单位（unit）是 `iters_per_unit` 次迭代；`regularization_configs`、`exercise_configs` 给出 7.6 节四组实验
  与动手练习 7.9 的配置。
"""

import math

import numpy as np
import paddle

from .data import make_moons
from .metric import accuracy
from .op.layers import MLP_3L, BatchGD, BinaryCrossEntropyWithLogits, MLP_3L_dropout

LAYERS_SIZE = (2, 20, 3, 1)
LEARNING_RATE = 0.2
LAMBD = 0.7          # 7.6.3 的 ℓ2 正则化系数 λ
WEIGHT_DECAY = 0.001  # 7.6.4 的权重衰减系数 β
DROP_RATE = 0.3      # 7.6.5 代码中的丢弃率 p（正文写的是 0.5）
LOG_EVERY = 100

# 书中报告的准确率（GPU 上的随机数，我们的数据与初值不同，只能比较结论）。
BOOK_ACCURACY = {
    "none": (0.91, 0.71),
    "l2": (0.86, 0.77),
    "weight_decay": (0.845, 0.75),
    "dropout": (0.855, 0.76),
}


def moons_split(n_samples=300, noise=0.5, num_train=200):
    """7.6.1 的数据：`make_moons(n_samples, shuffle=True, noise=noise)`，前 `num_train` 个样本训练，其余测试。

    随机数来自 Paddle 的全局生成器，调用前先 `paddle.seed(...)`。返回 `X_train, y_train, X_test, y_test`，
    标签为 float32、形状 `[N, 1]`。
    """
    if isinstance(num_train, bool) or not isinstance(num_train, int) or not 0 < num_train < n_samples:
        raise ValueError(f"num_train 必须是 1 到 n_samples - 1 之间的整数，收到 {num_train!r}")
    X, y = make_moons(n_samples=n_samples, shuffle=True, noise=noise)
    y = y.reshape([-1, 1])
    return X[:num_train], y[:num_train], X[num_train:], y[num_train:]


def accuracy_logits(logits, labels):
    """由 logits 计算准确率（Python 浮点数）：只有一列时以 0 为阈值（即 $\\sigma(o) \\ge 0.5$），多列时取 argmax。"""
    return accuracy(logits, labels, threshold=0.0).item()


def evaluate(model, X, y):
    """测试模式下（Dropout 不丢弃）的准确率；之后模型回到训练模式。"""
    model.eval()
    try:
        return accuracy_logits(model(X), y)
    finally:
        model.train()


def train_iterations(model, optimizer, loss_fn, X, y, num_iters, start=0, log_every=LOG_EVERY):
    """全批量训练 `num_iters` 次：前向、损失、反向、更新。迭代编号从 `start + 1` 开始，
    每 `log_every` 次记录一次 `[迭代编号, 损失]`；记录的损失不是有限值时抛出 `FloatingPointError`。"""
    losses = []
    model.train()
    for i in range(start + 1, start + num_iters + 1):
        loss = loss_fn(model(X), y)
        loss_fn.backward()
        optimizer.step()
        if i % log_every == 0:
            value = loss.item()
            if not math.isfinite(value):
                raise FloatingPointError(f"第 {i} 次迭代的损失不是有限值（{value}）")
            losses.append([i, value])
    return losses


def train_model(X_train, y_train, X_test, y_test, model, optimizer, loss_fn, num_iters, log_every=LOG_EVERY,
                verbose=True):
    """书中的训练函数：全批量梯度下降 `num_iters` 次，每 `log_every` 次迭代记录一次损失，
    最后打印并返回训练集与测试集的准确率。返回 `(losses, train_acc, test_acc)`。"""
    losses = train_iterations(model, optimizer, loss_fn, X_train, y_train, num_iters, log_every=log_every)
    train_acc, test_acc = evaluate(model, X_train, y_train), evaluate(model, X_test, y_test)
    if verbose:
        print(f"train accuracy: {train_acc:.4f}, test accuracy: {test_acc:.4f}")
    return losses, train_acc, test_acc


def class_grid(x1_range=(-2.0, 3.0), x2_range=(-3.0, 3.0), resolution=200):
    """`resolution × resolution` 的网格：返回 `x1`、`x2`（一维坐标）与全部网格点 `[resolution², 2]`。"""
    x1 = np.linspace(*x1_range, resolution, dtype="float32")
    x2 = np.linspace(*x2_range, resolution, dtype="float32")
    grid = np.stack(np.meshgrid(x1, x2), axis=-1).reshape(-1, 2)
    return x1, x2, grid


def predict_grid(model, x1_range=(-2.0, 3.0), x2_range=(-3.0, 3.0), resolution=200):
    """模型（测试模式）在网格上预测的类别，形状 `[resolution, resolution]`（行对应 x2，列对应 x1）。"""
    x1, x2, grid = class_grid(x1_range, x2_range, resolution)
    model.eval()
    try:
        logits = model(paddle.to_tensor(grid))
    finally:
        model.train()
    return x1, x2, (logits.numpy().reshape(resolution, resolution) >= 0).astype(int)


def show_class_boundary(model, X_train, y_train, ax=None, title=None,
                        x1_range=(-2.0, 3.0), x2_range=(-3.0, 3.0), resolution=200):
    """书中的 `show_class_boundary`：在 $x_1 \\in [-2, 3]$、$x_2 \\in [-3, 3]$ 的 200×200 网格上按预测类别填色
    （画成一张图像，而不是四万个散点），再画出训练样本。返回所用的 `Axes`。"""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.5))
    x1, x2, classes = predict_grid(model, x1_range, x2_range, resolution)
    ax.imshow(classes, origin="lower", extent=(x1[0], x1[-1], x2[0], x2[-1]), aspect="auto",
              cmap=ListedColormap(["#f2c5c5", "#c5d5f2"]), vmin=0, vmax=1, interpolation="nearest")
    X, y = np.asarray(X_train), np.asarray(y_train).reshape(-1)
    for label, color, marker in ((0, "#c0392b", "o"), (1, "#1f4e9c", "^")):
        points = X[y == label]
        ax.scatter(points[:, 0], points[:, 1], s=14, c=color, marker=marker, edgecolors="white", linewidths=0.4,
                   label=f"class {label}")
    ax.set_xlim(x1_range)
    ax.set_ylim(x2_range)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return ax


def build_model(lambd=0.0, weight_decay=0.0, drop_rate=0.0, lr=LEARNING_RATE, layers_size=LAYERS_SIZE):
    """按 7.6 节的设置建立模型、损失与优化器：`drop_rate > 0` 时用 `MLP_3L_dropout`，否则用 `MLP_3L`。"""
    layers_size = list(layers_size)
    model = MLP_3L_dropout(layers_size, drop_rate) if drop_rate > 0 else MLP_3L(layers_size)
    loss_fn = BinaryCrossEntropyWithLogits(model, lambd)
    optimizer = BatchGD(lr, model, weight_decay)
    return model, loss_fn, optimizer


class MoonsTrainable:
    """实验运行器的 trainable：7.6.1 的数据上全批量训练 `MLP_3L`（或 `MLP_3L_dropout`）。

    一个单位是 `iters_per_unit` 次迭代；每个单位的记录是
    `{"losses": [[迭代编号, 损失], ...], "train_acc": …, "test_acc": …}`（准确率在单位结束时、测试模式下计算）。
    数据与初始参数都在构造时从 Paddle 的全局随机数生成（运行器事先设好种子），同一种子的各配置数据和初值相同。
    """

    def __init__(self, lambd=0.0, weight_decay=0.0, drop_rate=0.0, lr=LEARNING_RATE, layers_size=LAYERS_SIZE,
                 iters_per_unit=1000, log_every=LOG_EVERY):
        if isinstance(iters_per_unit, bool) or not isinstance(iters_per_unit, int) or iters_per_unit < 1:
            raise ValueError(f"iters_per_unit 必须是正整数，收到 {iters_per_unit!r}")
        if isinstance(log_every, bool) or not isinstance(log_every, int) or log_every < 1:
            raise ValueError(f"log_every 必须是正整数，收到 {log_every!r}")
        self.X_train, self.y_train, self.X_test, self.y_test = moons_split()
        self.model, self.loss_fn, self.optimizer = build_model(lambd, weight_decay, drop_rate, lr, layers_size)
        self.iters_per_unit = iters_per_unit
        self.log_every = log_every
        self.unit_cost = 1.2 if drop_rate > 0 else 1.0

    def _parametrized(self):
        return [(i, layer) for i, layer in enumerate(self.model.layers)
                if isinstance(getattr(layer, "params", None), dict)]

    def train_unit(self, unit):
        losses = train_iterations(self.model, self.optimizer, self.loss_fn, self.X_train, self.y_train,
                                  self.iters_per_unit, start=unit * self.iters_per_unit, log_every=self.log_every)
        return {"losses": losses,
                "train_acc": evaluate(self.model, self.X_train, self.y_train),
                "test_acc": evaluate(self.model, self.X_test, self.y_test)}

    def state_dict(self):
        state = {"t": self.optimizer.t}
        for i, layer in self._parametrized():
            for key, value in layer.params.items():
                state[f"layers.{i}.{key}"] = value.numpy()
        return state

    def set_state_dict(self, state):
        self.optimizer.t = int(state["t"])
        for i, layer in self._parametrized():
            for key in layer.params:
                layer.params[key] = paddle.to_tensor(state[f"layers.{i}.{key}"])


def moons_trainable(**params):
    """`Config.build` 用的入口：`nndl.regularization:moons_trainable`。"""
    return MoonsTrainable(**params)


# 7.6 节的四组实验：名字 → moons_trainable 的参数。
RUNS = {
    "none": {},
    "l2": {"lambd": LAMBD},
    "weight_decay": {"weight_decay": WEIGHT_DECAY},
    "dropout": {"drop_rate": DROP_RATE},
}
RUN_LABELS = {"none": "no regularization", "l2": f"L2 (lambda={LAMBD})",
              "weight_decay": f"weight decay (beta={WEIGHT_DECAY})", "dropout": f"dropout (p={DROP_RATE})"}

# 动手练习 7.9：每种正则化取书中的值和两个更大的值。
EXERCISE_VALUES = {
    "lambd": (LAMBD, 10.0, 100.0),
    "weight_decay": (WEIGHT_DECAY, 0.01, 0.05),
    "drop_rate": (DROP_RATE, 0.7, 0.9),
}

ITERS_PER_UNIT = 1000
# 迭代次数：full 与书中相同（五万次）；quick 见 profile_settings 的说明。
PROFILE_ITERS = {"full": {"runs": 50_000, "exercise": 50_000},
                 "quick": {"runs": 10_000, "exercise": 3_000}}


def profile_settings(profile):
    """`profile`（"quick" 或 "full"）下的迭代次数：`{"runs": 四组实验, "exercise": 动手练习 7.9}`。

    full 与书中相同，每组五万次迭代。quick 的四组实验各一万次：未正则化的模型此时已经明显过拟合
    （训练集准确率比测试集高十几个百分点），之后的四万次迭代准确率变化很小；练习中的欠拟合在几千次迭代内
    就已定型，所以练习只迭代三千次。
    """
    from .profile import check_profile

    return dict(PROFILE_ITERS[check_profile(profile)])


def _units(num_iters):
    if num_iters % ITERS_PER_UNIT:
        raise ValueError(f"num_iters 必须是 {ITERS_PER_UNIT} 的整数倍，收到 {num_iters!r}")
    return num_iters // ITERS_PER_UNIT


def regularization_configs(num_iters, seed=0):
    """7.6 节四组实验的配置（同一个种子：数据和初始参数都相同，区别只在正则化）。"""
    from .experiment import Config

    return [Config(name=name, build="nndl.regularization:moons_trainable",
                   params={**params, "iters_per_unit": ITERS_PER_UNIT}, units=_units(num_iters), seed=seed)
            for name, params in RUNS.items()]


def exercise_configs(num_iters, seed=0, values=None):
    """动手练习 7.9 的配置：`values` 把参数名（`lambd`、`weight_decay`、`drop_rate`）映射到一组取值，
    默认 `EXERCISE_VALUES`。配置名形如 `lambd=10.0`。"""
    from .experiment import Config

    values = EXERCISE_VALUES if values is None else values
    unknown = set(values) - set(EXERCISE_VALUES)
    if unknown:
        raise ValueError(f"values 的键只能是 {sorted(EXERCISE_VALUES)}，收到 {sorted(unknown)}")
    return [Config(name=f"{key}={value:g}", build="nndl.regularization:moons_trainable",
                   params={key: float(value), "iters_per_unit": ITERS_PER_UNIT}, units=_units(num_iters), seed=seed)
            for key, vals in values.items() for value in vals]


def final_accuracy(result):
    """一个 `RunResult` 最后一个单位的 `(训练集准确率, 测试集准确率)`。"""
    if not result.records:
        raise ValueError(f"配置 {result.config.name!r} 还没有完成任何单位")
    return result.records[-1]["train_acc"], result.records[-1]["test_acc"]


def loss_curve(result):
    """一个 `RunResult` 全部单位记录的损失，返回 `(迭代编号数组, 损失数组)`。"""
    points = [point for record in result.records for point in record["losses"]]
    steps, losses = zip(*points) if points else ((), ())
    return np.asarray(steps), np.asarray(losses)


# ---------------------------------------------------------------------------------------------------------------
# 与 Paddle 对照（notebook 与测试共用）


def reference_bce(logits, labels):
    """交叉熵写成显式公式 $-\\frac1N\\sum[y\\log\\sigma(o) + (1-y)\\log(1-\\sigma(o))]$，交给 Paddle 自动微分。

    不用 `F.binary_cross_entropy_with_logits`：Paddle 3.3.1 中它在 logit 恰为 0 处的梯度是错的（见 7.6 节）。
    """
    import paddle.nn.functional as F

    return -paddle.mean(labels * F.log_sigmoid(logits) + (1 - labels) * F.log_sigmoid(-logits))


def paddle_twin(model, weight_decay=None, weight_attr=None):
    """与手写的 `MLP_3L` 参数相同的 `paddle.nn.Sequential`（Linear 2→20→3→1，ReLU）。

    返回 `(net, pairs)`，`pairs` 是 `[(手写的线性层, paddle.nn.Linear), ...]`。`weight_attr` 只作用于权重
    （例如 `paddle.ParamAttr(regularizer=paddle.regularizer.L2Decay(c))`）。
    """
    from .op.layers import LinearLayer

    ours = [layer for layer in model.layers if isinstance(layer, LinearLayer)]
    sizes = [ours[0].params["W"].shape[0]] + [layer.params["W"].shape[1] for layer in ours]
    layers = []
    for i in range(len(ours)):
        layers.append(paddle.nn.Linear(sizes[i], sizes[i + 1], weight_attr=weight_attr))
        if i < len(ours) - 1:
            layers.append(paddle.nn.ReLU())
    net = paddle.nn.Sequential(*layers)
    theirs = [layer for layer in net if isinstance(layer, paddle.nn.Linear)]
    for a, b in zip(ours, theirs):
        b.weight.set_value(a.params["W"])
        b.bias.set_value(a.params["b"].reshape([-1]))
    return net, list(zip(ours, theirs))


def compare_weight_decay_with_paddle(X, y, lr, weight_decay, steps, seed=0, bias=0.05):
    """`BatchGD(lr, model, weight_decay=β)` 与 `paddle.optimizer.SGD(learning_rate=α, weight_decay=L2Decay(β/α))`
    逐步对照 `steps` 步，返回每一步更新后全部参数（含偏置）的最大绝对偏差。

    每一步开始前把手写模型的参数复制给 Paddle 的模型，两边从同一点出发各走一步，比较的就是这一步的更新公式，
    不受前面各步舍入差异的累积影响（在 ReLU 的折点附近，微小的差异可能让两条轨迹在某一步短暂地分开）。
    偏置的初值取 `bias`（不为 0），免得某个样本的 logit 恰为 0。
    """
    paddle.seed(seed)
    model = MLP_3L([X.shape[1], 20, 3, 1])
    for layer in (model.fc1, model.fc2, model.fc3):
        layer.params["b"] = paddle.full(layer.params["b"].shape, bias)
    loss_fn = BinaryCrossEntropyWithLogits(model)
    optimizer = BatchGD(lr, model, weight_decay=weight_decay)
    net, pairs = paddle_twin(model)
    decay = paddle.regularizer.L2Decay(weight_decay / lr) if weight_decay else None
    paddle_opt = paddle.optimizer.SGD(learning_rate=lr, parameters=net.parameters(), weight_decay=decay)
    deviations = []
    for _ in range(steps):
        for a, b in pairs:
            b.weight.set_value(a.params["W"])
            b.bias.set_value(a.params["b"].reshape([-1]))
        loss_fn(model(X), y)
        loss_fn.backward()
        optimizer.step()
        reference_bce(net(X), y).backward()
        paddle_opt.step()
        paddle_opt.clear_grad()
        deviations.append(max(max(float(np.abs(a.params["W"].numpy() - b.weight.numpy()).max()),
                                  float(np.abs(a.params["b"].numpy().ravel() - b.bias.numpy()).max()))
                              for a, b in pairs))
    return np.asarray(deviations)


def backward_deviations(X, y, seed=0, lambd=LAMBD, drop_rate=DROP_RATE):
    """每个手写 backward 与 Paddle 对同一前向自动微分的最大绝对偏差（字典：名字 → 偏差）。

    线性层、ReLU、Logistic 用随机的上游梯度 δ（对 $\\sum \\boldsymbol Z \\odot \\boldsymbol\\delta$ 求导）；
    `MLP_3L` 加交叉熵（λ = 0 与 λ = `lambd`）、`MLP_3L_dropout` 加交叉熵（用手写前向生成的同一组掩码）
    比较全部参数的梯度。偏置取小的随机值，logit 不会恰为 0。
    """
    import paddle.nn.functional as F

    from .op.layers import Dropout, LinearLayer, Logistic, ReLU

    def leaf(t):
        x = paddle.to_tensor(t.numpy())
        x.stop_gradient = False
        return x

    def dev(a, b):
        return float(np.abs(np.asarray(a) - np.asarray(b)).max())

    paddle.seed(seed)
    out = {}
    Z = paddle.randn([64, 5])
    G = paddle.randn([64, 5])
    layer = LinearLayer(5, 5)
    layer(Z)
    dZ = layer.backward(G)
    Za, Wa, ba = leaf(Z), leaf(layer.params["W"]), leaf(layer.params["b"])
    paddle.sum((paddle.matmul(Za, Wa) + ba) * G).backward()
    out["LinearLayer"] = max(dev(dZ, Za.grad), dev(layer.grads["W"], Wa.grad), dev(layer.grads["b"], ba.grad))
    for op, fn in ((ReLU(), F.relu), (Logistic(), F.sigmoid)):
        op(Z)
        Za = leaf(Z)
        paddle.sum(fn(Za) * G).backward()
        out[type(op).__name__] = dev(op.backward(G), Za.grad)

    def model_case(model, lambd):
        for lin in (model.fc1, model.fc2, model.fc3):
            lin.params["b"] = 0.1 * paddle.randn(lin.params["b"].shape)
        loss_fn = BinaryCrossEntropyWithLogits(model, lambd)
        loss_fn(model(X), y)
        loss_fn.backward()
        masks = [model.dropout1.mask, model.dropout2.mask] if isinstance(model, MLP_3L_dropout) else []
        params, h, weights = {}, X, []
        for i, lay in enumerate(model.layers):
            if isinstance(lay, LinearLayer):
                params[i] = (leaf(lay.params["W"]), leaf(lay.params["b"]))
                h = paddle.matmul(h, params[i][0]) + params[i][1]
                weights.append(params[i][0])
            elif isinstance(lay, ReLU):
                h = F.relu(h)
            elif isinstance(lay, Dropout):
                h = h * masks.pop(0) / (1 - lay.drop_rate)
        ref = reference_bce(h, y) + lambd / (2 * X.shape[0]) * paddle.add_n([paddle.sum(W * W) for W in weights])
        ref.backward()
        return max(max(dev(model.layers[i].grads["W"], W.grad), dev(model.layers[i].grads["b"], b.grad))
                   for i, (W, b) in params.items())

    out["MLP_3L + BCE"] = model_case(MLP_3L(list(LAYERS_SIZE)), 0.0)
    out[f"MLP_3L + BCE + L2 (lambda={lambd})"] = model_case(MLP_3L(list(LAYERS_SIZE)), lambd)
    out[f"MLP_3L_dropout (p={drop_rate}) + BCE"] = model_case(MLP_3L_dropout(list(LAYERS_SIZE), drop_rate), 0.0)
    return out
