"""训练一个配置：书中的 LeNet（`lenet()`）、SGD、交叉熵与 `RunnerV3`，数据是内存里按顺序切片的张量。

`train_epochs` 是读者要看的训练代码（第 7.2 节的 notebook 展示它）；`LeNetTrainable` 把它接到实验运行器
`nndl.experiment` 上：一个单位就是一个回合，状态就是模型参数（SGD 除参数以外没有状态）。
"""

import math
import multiprocessing
import os
import resource
import signal

import numpy as np
import paddle
import paddle.nn.functional as F

from ...data import mnist_tensors
from ...experiment.pool import single_threaded
from ...models import lenet
from ...runner import RunnerV3
from .settings import SEED

# 仅供测试：设为某个批大小时，训练该批大小的工作进程会用 SIGKILL 结束自己（模拟被系统因内存不足杀掉）。
KILL_HOOK_ENV = "NNDL_SWEEP_TEST_KILL_BATCH_SIZE"

# 估计一个回合的工作量（毫秒）：每步固定开销 + 每张图像的计算量。只用于决定先调度哪个配置。
_STEP_COST_MS = 1.2
_IMAGE_COST_MS = 0.23


class TensorBatches:
    """把一个张量按顺序切成批，供 `RunnerV3.train` 迭代；与 `DataLoader(shuffle=False)` 一样保留最后不满的一批。"""

    def __init__(self, images, labels, batch_size):
        self.images, self.labels, self.batch_size = images, labels, batch_size
        self.num_samples = images.shape[0]

    def __len__(self):
        return -(-self.num_samples // self.batch_size)

    def __iter__(self):
        for start in range(0, self.num_samples, self.batch_size):
            stop = start + self.batch_size
            yield self.images[start:stop], self.labels[start:stop]


def train_epochs(batch_size, learning_rate, num_samples, num_epochs, seed=SEED, state=None, on_step=None):
    """用书中的 LeNet（`lenet()`）、SGD、交叉熵和 `RunnerV3` 训练 `num_epochs` 个回合，返回该段的记录。

    `state` 为 None 时用 `paddle.seed(seed)` 初始化一个新的 LeNet；否则从 `state`（参数名 → NumPy 数组）
    接着训练。返回 `(train_epoch_losses, train_step_losses, state)`，步号从 0 开始计。
    """
    images, labels = mnist_tensors("train", num_samples)
    paddle.seed(seed)
    np.random.seed(seed)
    model = lenet()
    if state is not None:
        model.set_state_dict({name: paddle.to_tensor(value) for name, value in state.items()})
    optimizer = paddle.optimizer.SGD(learning_rate=learning_rate, parameters=model.parameters())
    runner = RunnerV3(model, optimizer, F.cross_entropy, None)
    hook = (lambda r: on_step(len(r.train_step_losses))) if on_step else None
    runner.train(TensorBatches(images, labels, batch_size), num_epochs=num_epochs, log_steps=0,
                 custom_print_log=hook)
    new_state = {name: value.numpy() for name, value in model.state_dict().items()}
    return runner.train_epoch_losses, runner.train_step_losses, new_state


def run_configuration(batch_size, learning_rate, num_samples, num_epochs, seed=SEED):
    """在当前进程里一口气训练一个配置（顺序运行的参照），返回 `(train_epoch_losses, train_step_losses)`。

    与运行器训练每个单位一样只用一个线程（`single_threaded`）：调用者的进程有几个线程，结果都与 `sweep` 逐位相同。
    """
    with single_threaded():
        epoch_losses, step_losses, _ = train_epochs(batch_size, learning_rate, num_samples, num_epochs, seed)
    return epoch_losses, step_losses


def peak_rss_mb():
    """本进程的内存峰值（MB）。"""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux 上单位是 KB


class LeNetTrainable:
    """实验运行器的可训练对象：一个（批大小, 学习率）配置，每个单位用 `train_epochs` 接着训练一个回合。

    记录：`{"epoch": u, "train_loss": 本回合平均损失, "step_losses": [[全局步号, 损失], ...],
    "peak_rss_mb": 训练它的进程的内存峰值}`。`train_epochs` 每个回合开始时都用 `paddle.seed(seed)` 建模型，
    再载入上一个回合结束时的参数；训练中不用随机数，所以逐个回合训练与一口气训练的每个损失逐位相同。
    """

    def __init__(self, batch_size, learning_rate, num_samples, num_epochs, seed=SEED):
        self.batch_size, self.learning_rate, self.seed = batch_size, learning_rate, seed
        self.num_samples, self.num_units = num_samples, num_epochs
        self.steps_per_epoch = math.ceil(num_samples / batch_size)
        self.unit_cost = self.steps_per_epoch * (_STEP_COST_MS + _IMAGE_COST_MS * batch_size)
        self.params = None  # 参数名 → NumPy 数组；None 表示还没训练过
        self.progress_hook = None  # 运行器设置：每步后以本回合完成的比例调用

    def train_unit(self, unit):
        if os.environ.get(KILL_HOOK_ENV) == str(self.batch_size) and multiprocessing.parent_process():
            os.kill(os.getpid(), signal.SIGKILL)
        report = self.progress_hook
        on_step = (lambda step: report(step / self.steps_per_epoch)) if report else None
        epoch_losses, step_losses, self.params = train_epochs(
            self.batch_size, self.learning_rate, self.num_samples, 1, self.seed, self.params, on_step)
        offset = unit * self.steps_per_epoch
        return {"epoch": unit, "train_loss": epoch_losses[0],
                "step_losses": [[offset + step, loss] for step, loss in step_losses], "peak_rss_mb": peak_rss_mb()}

    def state_dict(self):
        return {"model": self.params}

    def set_state_dict(self, state):
        self.params = state["model"]
