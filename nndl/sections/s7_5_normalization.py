"""7.5 节（逐层规范化）的实验配方：7.5.1.4 节累积滑动平均的循环，7.5.1.5 节与动手练习 7.8 的 MNIST 卷积网络
（`nndl.models.NormCNN`，有无逐层规范化）的实验构建函数 `norm_trainable` 与配置 `norm_configs`。

`accumulate_moving_averages` 每一遍都喂一批新抽的数据（书中的循环每遍抽一个新的 `inputs`，喂进去的却总是
同一个 `data`，滑动平均于是只记住了那一批的统计量）。

网络 `NormCNN`（书中 7.5.1.5 节，在 `nndl.models`）：Conv2D(1→20, 5×5, padding 2) → [规范化] → ReLU → MaxPool 2 →
Conv2D(20→20, 5×5, padding 2) → [规范化] → ReLU → MaxPool 2 → Linear(980→10)。
卷积层是 `nndl.models.Conv2D`（即 `paddle.nn.Conv2D`，只是加偏置的写法快，前向的每个数不变）。
规范化层放在卷积与激活之间：`norm=None` 不用，`'bn'` 用 `paddle.nn.BatchNorm2D`（书中的做法），
`'ln'` 用 `paddle.nn.LayerNorm` 在每个样本的 (C, H, W) 上规范化（练习 7.8）。

`norm_trainable` 是实验运行器（`nndl.experiment`）的构建函数：书中的 Adam（学习率 0.01）、批大小 64、
打乱的训练集、每 300 步评价一次。与书中不同，评价用的是 MNIST 的**测试集**（书中的 `dev_loader` 由训练集构建，
读入的测试集从未使用，所谓“验证”曲线其实是训练集上的曲线）。
"""

import warnings

import paddle
import paddle.nn.functional as F

from ..data import mnist_tensors
from ..experiment import Config, LayerTrainable
from ..metric import Accuracy
from ..models import NORMS, NormCNN
from ..profile import sizes
from ..validate import check_choice, check_int

BUILD = "nndl.sections.s7_5_normalization:norm_trainable"
PAGE_NORMS = (None, "bn", "ln")  # 页面上的三个网络：7.5.1.5 节的有无批量规范化，动手练习 7.8 的层规范化

# paddle.nn.BatchNorm2D 在训练模式下每次前向都提示“训练时总是记录滑动平均”，这正是这里要的行为。
warnings.filterwarnings("ignore", message="When training, we now always track global mean and variance")


def accumulate_moving_averages(model, num_passes=50, batch_shape=(200, 100)):
    """在训练模式下让 `model` 前向 `num_passes` 遍，每遍一批新的标准正态数据（形状 `batch_shape`），
    以此累积批量规范化的滑动平均（7.5.1.4 节）。不求梯度。"""
    check_int(num_passes, "num_passes", min_val=1)
    with paddle.no_grad():
        for _ in range(num_passes):
            inputs = paddle.randn(list(batch_shape))
            model(inputs, train_mode=True)


def norm_configs(profile=None, norms=(None, "bn"), seed=0):
    """`profile` 规模下每种规范化（`norms` 里的 None、'bn'、'ln'）一个实验配置，名字为 'none'、'bn'、'ln'。
    同一个种子：各网络的卷积层与全连接层从相同的初始参数出发（规范化层的初值是常数，不消耗随机数）。"""
    settings = sizes("7.5", profile)
    return [Config(name=check_choice(norm, "norm", NORMS) or "none", build=BUILD,
                   params={"norm": norm, **settings}, units=settings["num_epochs"], seed=seed)
            for norm in norms]


def norm_trainable(norm, num_train, num_test, num_epochs, eval_steps, lr=0.01, batch_size=64):
    """实验运行器的构建函数：`NormCNN(norm)`、Adam、交叉熵，训练集前 `num_train` 张（每个回合打乱），
    每 `eval_steps` 步在**测试集**前 `num_test` 张上评价一次。"""
    model = NormCNN(norm)
    optimizer = paddle.optimizer.Adam(learning_rate=lr, parameters=model.parameters())
    return LayerTrainable(model, optimizer, F.cross_entropy, Accuracy(),
                          mnist_tensors("train", num_train), mnist_tensors("test", num_test),
                          batch_size=batch_size, shuffle=True, num_epochs=num_epochs, eval_steps=eval_steps)
