"""7.4 节（参数初始化）的实验配方：测量各层方差的 `layer_variances`（7.4.2.1、7.4.2.2），以及 7.4.2.3 节与
动手练习 7.7 在 Moon 数据上训练 `nndl.models.MLP` 的实验构建函数 `init_trainable`（供 `nndl.experiment.run` 调用）
和它的配置 `configs`。网络 `MLP` 在 `nndl.models`，初始化的标准差与区间在 `nndl.init`，回合数在 `nndl.profile`。
"""

import numpy as np
import paddle
import paddle.nn as nn
import paddle.nn.functional as F

from ..data import moons_split
from ..experiment import Config, LayerTrainable
from ..init import kaiming_normal_std, kaiming_uniform_r, xavier_normal_std, xavier_uniform_r
from ..metric import Accuracy
from ..models import MLP
from ..profile import sizes
from ..show import Claim
from ..validate import check_choice, check_int, check_real

__all__ = ["layer_variances", "INITS", "ACTIVATIONS", "MOONS_LAYERS", "TANH_INITS", "RELU_INITS", "init_trainable",
           "configs"]


def layer_variances(build, num_nets=10, num_inputs=1000, input_std=0.1, seed=0):
    r"""在许多个输入、若干个独立初始化的网络上测量每层输出的方差（前向）与回传梯度的方差（反向）。

    对 `k = 0 … num_nets-1`：`paddle.seed(seed + k)` 后用 `build()` 新建一个网络（`MLP`），输入 `num_inputs` 个
    服从 $\mathcal{N}(0, \sigma_x^2)$（$\sigma_x$ = `input_std`） 的样本（形状 `[num_inputs, 输入维数]`）；
    `forward[k, i]` 是第 `i` 层输出 `z[i]` 在全部样本和全部神经元上的方差。反向时从输出层回传一个方差为 1 的
    随机梯度 $\boldsymbol g \sim \mathcal{N}(0, 1)$（即对 $L = \sum \boldsymbol g \odot \boldsymbol z$ 求导），
    `backward[k, i]` 是 $\partial L / \partial \boldsymbol z_i$ 的方差（最后一层就是 $\boldsymbol g$ 本身）。

    返回 NumPy 数组 `(forward, backward)`，形状都是 `[num_nets, 层数]`。
    """
    check_int(num_nets, "num_nets", min_val=2)
    check_int(num_inputs, "num_inputs", min_val=2)
    input_std = check_real(input_std, "input_std", min_val=0, include_boundaries="neither")
    forward, backward = [], []
    for k in range(num_nets):
        paddle.seed(seed + k)
        model = build()
        if not isinstance(model, MLP):
            raise TypeError(f"build() 必须返回 MLP，收到 {type(model).__name__}")
        X = paddle.normal(0.0, float(input_std), [num_inputs, model.layers_size[0]])
        out = model(X)
        zs = [model.z[i] for i in range(model.num_layers)]
        g = paddle.normal(0.0, 1.0, out.shape)
        grads = paddle.grad((g * out).sum(), zs)
        forward.append([z.numpy().astype("float64").var() for z in zs])
        backward.append([grad.numpy().astype("float64").var() for grad in grads])
    return np.array(forward), np.array(backward)


# 实验配置里用名字（可写进 JSON）指定初始化方式和激活函数。
INITS = {
    "xavier_normal": ("normal", xavier_normal_std),
    "xavier_uniform": ("uniform", xavier_uniform_r),
    "kaiming_normal": ("normal", kaiming_normal_std),
    "kaiming_uniform": ("uniform", kaiming_uniform_r),
    "standard_normal": ("standard_normal", None),
}
ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU}

MOONS_LAYERS = (2, 300, 500, 700, 400, 1)

# 页面上比较的初始化：7.4.2.3 节（Tanh）与动手练习 7.7（ReLU）。
TANH_INITS = ("xavier_normal", "standard_normal")
RELU_INITS = ("xavier_normal", "kaiming_normal")


def init_trainable(init, act="tanh", num_epochs=100, lr=0.005, batch_size=10, layers_size=MOONS_LAYERS,
                   n_samples=300, noise=0.5, num_train=200, eval_steps=400):
    """7.4.2.3 节（及动手练习 7.7）的一个实验配置：在 Moon 数据上训练 `MLP`，供 `nndl.experiment.run` 调用。

    `init` 是 `INITS` 的键（如 `'xavier_normal'`、`'standard_normal'`），`act` 是 `ACTIVATIONS` 的键。
    与书中相同：数据先由种子生成（两个配置种子相同，数据就相同），再创建模型；SGD（学习率 `lr`）、
    `F.binary_cross_entropy_with_logits`、`Accuracy(is_logist=True)`，批大小 10、打乱，每 `eval_steps` 步
    在验证集上评价一次。一个单元是一个回合。
    """
    init_fn_name, init_fn = check_choice(init, "init", INITS)
    act_fn = check_choice(act, "act", ACTIVATIONS)
    train_data, dev_data = moons_split(n_samples, noise, num_train)
    model = MLP(layers_size, init_fn_name, init_fn, act_fn)
    optimizer = paddle.optimizer.SGD(learning_rate=lr, parameters=model.parameters())
    return LayerTrainable(model, optimizer, F.binary_cross_entropy_with_logits, Accuracy(is_logist=True),
                          train_data, dev_data, batch_size=batch_size, shuffle=True, num_epochs=num_epochs,
                          eval_steps=eval_steps)


def configs(inits, act="tanh", profile=None, seed=0):
    """7.4.2.3 节（`act="tanh"`）或动手练习 7.7（`act="relu"`）的配置：`inits` 里每种初始化一个，名字就是初始化的
    名字；回合数取自 `nndl.profile`。同一个种子：各配置的数据相同（模型在数据之后创建）。"""
    num_epochs = sizes("7.4", profile)["num_epochs"]
    return [Config(name=init, build="nndl.sections.s7_4_initialization:init_trainable",
                   params={"init": init, "act": act, "num_epochs": num_epochs}, units=num_epochs, seed=seed)
            for init in inits]


# ---------------------------------------------------------------------------------------------------------------
# 7.4.2.3 节与动手练习 7.7 的图与结论：参数是 run() 的结果，quick 的运行与书中规模的保存结果用同一组函数。


def epoch_losses(result):
    """一个配置每个回合的平均训练损失。"""
    return [record["train_loss"] for record in result.records]


def first_epoch_below(losses, level):
    """第一个训练损失低于 `level` 的回合（从 1 数）；没有则为 None。"""
    return next((epoch for epoch, value in enumerate(losses, start=1) if value < level), None)


def last_evaluation(result):
    """最后一次评价的 `(步数, 验证集准确率, 验证集损失)`。"""
    return tuple(result.records[-1]["dev"][-1])


def plot_epoch_losses(results, labels, title):
    """`labels`（配置名 → 图例）中每个配置每个回合的训练损失，返回 Figure。"""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    for name, label in labels.items():
        losses = epoch_losses(results[name])
        ax.plot(range(1, len(losses) + 1), losses, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("train loss")
    ax.set_title(title)
    ax.legend()
    return fig


def tanh_claims(results):
    """7.4.2.3 节：Xavier 与 N(0, 1) 初始化的 Tanh 网络（配置 `xavier_normal`、`standard_normal`）。"""
    xavier, standard = np.array(epoch_losses(results["xavier_normal"])), np.array(epoch_losses(results["standard_normal"]))
    _, acc_x, loss_x = last_evaluation(results["xavier_normal"])
    _, acc_s, loss_s = last_evaluation(results["standard_normal"])
    ratio = standard[-10:].mean() / xavier[-10:].mean()
    return [
        Claim("（书中）每个回合 Xavier 的训练损失都低于 N(0, 1)", bool(np.all(xavier < standard)),
              f"至少低 {float(np.min(standard - xavier)):.3f}"),
        Claim("N(0, 1) 全程最低的训练损失也比 Xavier 最后一个回合的高 0.3 以上", bool(standard.min() > xavier[-1] + 0.3),
              f"高 {standard.min() - xavier[-1]:.3f}"),
        Claim("Xavier 最后 5 个回合的训练损失都在 0.35 到 0.45 之间（已基本收敛）",
              bool(np.all((xavier[-5:] > 0.35) & (xavier[-5:] < 0.45))), f"{xavier[-5:].min():.3f}–{xavier[-5:].max():.3f}"),
        Claim("最后一次评价：Xavier 的验证集损失更低", bool(loss_x < loss_s), f"{loss_x:.3f} 对 {loss_s:.3f}"),
        Claim("最后一次评价：两者的验证集准确率都在 0.6 到 0.8 之间", bool(0.6 < acc_x < 0.8 and 0.6 < acc_s < 0.8),
              f"{acc_x:.2f} 与 {acc_s:.2f}"),
        Claim("最后 10 个回合 N(0, 1) 的平均训练损失是 Xavier 的 2 倍以上", bool(ratio > 2), f"{ratio:.1f} 倍"),
    ]


def relu_claims(results, level=0.4):
    """动手练习 7.7：Xavier 与 He 初始化的 ReLU 网络（配置 `xavier_normal`、`kaiming_normal`）。"""
    xavier, he = np.array(epoch_losses(results["xavier_normal"])), np.array(epoch_losses(results["kaiming_normal"]))
    he_at, xr_at = first_epoch_below(he, level), first_epoch_below(xavier, level)
    earlier = he_at is not None and (xr_at is None or xr_at - he_at >= 10)
    when = f"He 第 {he_at} 个回合，Xavier {'第 ' + str(xr_at) + ' 个回合' if xr_at else '没有降到'}" if he_at else "He 没有降到"
    return [
        Claim("每个回合 He 的训练损失都低于 Xavier", bool(np.all(he < xavier)), f"至少低 {float(np.min(xavier - he)):.3f}"),
        Claim("第 1 个回合 He 的训练损失比 Xavier 低 0.1 以上", bool(xavier[0] - he[0] > 0.1), f"低 {xavier[0] - he[0]:.3f}"),
        Claim(f"He 比 Xavier 至少早 10 个回合降到 {level} 以下", earlier, when),
        Claim(f"最后一个回合 He 的训练损失低于 {level}", bool(he[-1] < level), f"{he[-1]:.3f}"),
        Claim("Xavier 没有发散：最后一个回合的训练损失比第 1 个回合低 0.1 以上", bool(xavier[-1] < xavier[0] - 0.1),
              f"低 {xavier[0] - xavier[-1]:.3f}"),
    ]
