r"""“超出本书”的对比页（7.3.5）的实验配方：7.3 节的五个优化器用 7.3 各节的超参数、再加上 AdaDelta（动手练习 7.4）与 Nesterov
（7.3 节引言提到的方法），跑三个实验（二维、简单拟合、三维），并汇总成表。

- `BOOK_SETTINGS`：书中每个实验、每个优化器的超参数（二维实验还有步数）；`EXTRA_SETTINGS`：书中没有的
  AdaDelta 与 Nesterov（取值见 `_ADADELTA`、`_NESTEROV_LR` 的注释）；`SETTINGS`：两者合在一起，顺序同 `NAMES`；
- `COLORS`：七个优化器的颜色（`nndl.plot3d.COLORS` 加上后两个），可传给 `nndl.plot3d.apply_colors`；
  `STYLES`：七个优化器的线型（`nndl.plot3d.STYLES` 加上后两个），让重合的轨迹和曲线分得清；
- `run_2d`、`run_fit`、`run_3d`：跑实验，返回 `{名字: Run}`；
- `hand_optimizer`：按 `SETTINGS` 创建手写优化器。

轨迹的度量（`first_index`、`Basin`、`distances`、`polyline_distance`）在 `nndl.trajectory`，拟合数据在
`nndl.data.make_fitting_data`，表格用 `nndl.show.table`。
"""

import warnings
from dataclasses import dataclass, field

import numpy as np
import paddle

from ..op import (AdaDelta, Adagrad, Adam, Linear, Momentum, Nesterov, OptimizedFunction, OptimizedFunction3D,
                 RMSprop, SimpleBatchGD)
from ..plot3d import COLORS as _COLORS_3D
from ..plot3d import STYLES as _STYLES_3D
from ..loops import train, train_f
from ..trajectory import Trajectory

NAMES = ("SGD", "AdaGrad", "RMSprop", "Momentum", "Adam", "AdaDelta", "Nesterov")
CLASSES = {"SGD": SimpleBatchGD, "AdaGrad": Adagrad, "RMSprop": RMSprop, "Momentum": Momentum, "Adam": Adam,
           "AdaDelta": AdaDelta, "Nesterov": Nesterov}
COLORS = {**_COLORS_3D, "AdaDelta": "#ff7f0e", "Nesterov": "#9467bd"}
# AdaDelta 的二维轨迹与 AdaGrad、RMSprop 的大段重合：AdaGrad 是宽的半透明带，RMSprop 是实线，AdaDelta 是虚线。
STYLES = {**_STYLES_3D, "RMSprop": {"linewidth": 1.8}, "AdaDelta": {"linewidth": 1.4, "linestyle": (0, (4, 2))},
          "Nesterov": {"linewidth": 1.8, "linestyle": (0, (5, 1.5))}}

_ADAGRAD = {"epsilon": 1e-7}
_RMSPROP = {"beta": 0.9, "epsilon": 1e-7}
_MOMENTUM = {"rho": 0.9}
_ADAM = {"beta1": 0.9, "beta2": 0.99, "epsilon": 1e-7}
# 书中没有的两个。AdaDelta：学习率 1（教科书的 AdaDelta 没有学习率），β 与 RMSprop 相同；ΔX² 从 0 开始，
# 起步的步长约为 sqrt(ε/(1-β))，ε = 1e-3 时约 0.1，与书中其他方法的学习率同一量级（ε = 1e-6 时只有 0.003，
# 50 步几乎不动）。Nesterov：ρ 与每个实验的学习率都与动量法相同，只差“向前看”的那一项。
_ADADELTA = {"init_lr": 1.0, "beta": 0.9, "epsilon": 1e-3}
_NESTEROV_LR = 0.01

BOOK_SETTINGS = {
    # 7.3.1–7.3.3 的二维实验：OptimizedFunction(w=[0.2, 2])，从 [3, 4] 出发；值为 (超参数, 步数)
    "2d": {
        "SGD": ({"init_lr": 0.2}, 20),
        "AdaGrad": ({"init_lr": 0.5, **_ADAGRAD}, 50),
        "RMSprop": ({"init_lr": 0.1, **_RMSPROP}, 50),
        "Momentum": ({"init_lr": 0.01, **_MOMENTUM}, 50),
        "Adam": ({"init_lr": 0.2, **_ADAM}, 20),
    },
    # 7.3.1–7.3.3 的简单拟合实验：Linear(2)，30 个回合，批大小 64，不打乱
    "fit": {
        "SGD": {"init_lr": 0.01},
        "AdaGrad": {"init_lr": 0.1, **_ADAGRAD},
        "RMSprop": {"init_lr": 0.1, **_RMSPROP},
        "Momentum": {"init_lr": 0.01, **_MOMENTUM},
        "Adam": {"init_lr": 0.1, **_ADAM},
    },
    # 7.3.4 的三维实验：OptimizedFunction3D，从 [2, 3] 出发，150 步
    "3d": {
        "SGD": {"init_lr": 0.01},
        "AdaGrad": {"init_lr": 0.5, **_ADAGRAD},
        "RMSprop": {"init_lr": 0.1, **_RMSPROP},
        "Momentum": {"init_lr": 0.01, **_MOMENTUM},
        "Adam": {"init_lr": 0.1, **_ADAM},
    },
}

# 书中没有的两个优化器（超参数的取法见上面的注释）；三个实验中只有学习率可能不同。
EXTRA_SETTINGS = {
    "2d": {"AdaDelta": (dict(_ADADELTA), 50), "Nesterov": ({"init_lr": _NESTEROV_LR, **_MOMENTUM}, 50)},
    "fit": {"AdaDelta": dict(_ADADELTA), "Nesterov": {"init_lr": _NESTEROV_LR, **_MOMENTUM}},
    "3d": {"AdaDelta": dict(_ADADELTA), "Nesterov": {"init_lr": _NESTEROV_LR, **_MOMENTUM}},
}
# 对比页用的全部设置：书中的五个加上面两个，顺序同 NAMES。
SETTINGS = {experiment: {**BOOK_SETTINGS[experiment], **EXTRA_SETTINGS[experiment]} for experiment in BOOK_SETTINGS}

X_INIT_2D = (3.0, 4.0)
W_2D = (0.2, 2.0)
X_INIT_3D = (2.0, 3.0)
STEPS_3D = 150


@dataclass
class Run:
    """一次实验的结果。函数实验：`points`、`losses` 是 `Trajectory` 的两列，第 k 行是**做了 k 次更新之后**的点与
    函数值（第 0 行是起点，最后一行是最后一次更新之后，即“k 步后”）；拟合实验：`points` 为 None，`losses` 是每次
    迭代的损失（第 k 项在第 k 次更新之后、用当前小批量计算），`epoch_losses` 是每个回合的平均损失。
    `warnings` 是训练时发出的警告文字（例如发散时 `train_f` 的警告）。"""

    name: str
    losses: list
    points: np.ndarray = None
    epoch_losses: list = None
    warnings: list = field(default_factory=list)


def hand_optimizer(name, model, experiment):
    """按 `SETTINGS[experiment][name]` 为 `model` 创建优化器。"""
    setting = SETTINGS[experiment][name]
    kwargs = setting[0] if experiment == "2d" else setting
    return CLASSES[name](model=model, **kwargs)


def _run_f(name, model, optimizer, x_init, steps):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        all_x, losses = train_f(model, optimizer, x_init, steps)
    trajectory = Trajectory.from_run(model, all_x, losses, steps)
    return Run(name, list(trajectory.losses), points=trajectory.points, warnings=[str(w.message) for w in caught])


def run_2d(names=NAMES):
    """二维实验：每个优化器用 7.3.x 的学习率与步数，从同一个 `x_init` 出发。"""
    x_init = paddle.to_tensor(X_INIT_2D, dtype="float32")
    runs = {}
    for name in names:
        model = OptimizedFunction(paddle.to_tensor(W_2D, dtype="float32"))
        runs[name] = _run_f(name, model, hand_optimizer(name, model, "2d"), x_init, SETTINGS["2d"][name][1])
    return runs


def run_3d(names=NAMES, steps=STEPS_3D, x_init=None):
    """三维实验：各优化器共用同一个 `x_init` 张量（`step()` 从不原地修改它）。"""
    if x_init is None:
        x_init = paddle.to_tensor(X_INIT_3D, dtype="float32")
    runs = {}
    for name in names:
        model = OptimizedFunction3D()
        runs[name] = _run_f(name, model, hand_optimizer(name, model, "3d"), x_init, steps)
    return runs


def run_fit(data, names=NAMES, num_epochs=30, batch_size=64, seed=0):
    """简单拟合实验：每个优化器前都 `paddle.seed(seed)`，`Linear(2)` 的初值因此相同；损失为 `MSELoss`。"""
    runs = {}
    for name in names:
        paddle.seed(seed)
        model = Linear(2)
        optimizer = hand_optimizer(name, model, "fit")
        iter_loss, epoch_loss = train(data, num_epochs, batch_size, model, paddle.nn.MSELoss(), optimizer)
        runs[name] = Run(name, iter_loss, epoch_losses=epoch_loss)
    return runs
