"""可训练对象：实验运行器训练的东西的约定 `Trainable`，以及它最常用的实现 `LayerTrainable`。

`LayerTrainable` 把一个 `paddle.nn.Layer` 和一个 `paddle.optimizer` 包装成可训练对象。一步、一个回合、评价规则与
评价都是 `nndl.loops` 里与 `RunnerV3` 共用的函数（tests/unit/test_contract.py 检验两者逐位相同），一个单位就是一个回合。
状态（`state_dict`）里有模型参数与缓冲区，以及优化器的全部状态：Adam 的一阶、二阶矩与 β 的幂、Momentum 的速度、
学习率调度器的步数。

优化器状态按参数的结构名（如 `"0.weight"`）保存，而不是按 Paddle 的参数名（如 `linear_3.w_0`）：
Paddle 的参数名由进程内的全局计数器生成，同一个模型在另一个进程、或在同一进程里第二次构建时名字不同，
直接用 `optimizer.state_dict()` 的键就对不上。运行器在每个配置自己的 `unique_name` 名字空间里构建与载入，在那里面
公开的 `optimizer.state_dict()`/`set_state_dict()` 续跑也逐位相同（试过：运行器的续跑测试都通过）；但在名字空间之外
（在同一进程里再构建一个对象、载入状态接着训练，测试与 notebook 都这样做）它的键对不上而报错，读以前的检查点也仍然
要按结构名写入，所以这里保留按结构名的做法（要用到 Paddle 的 `_accumulators` 与 `_create_accumulators`）。
"""

import math
from typing import Any, Protocol, runtime_checkable

import numpy as np
import paddle

from ..loops import autograd_epoch, autograd_evaluate, should_evaluate
from ..validate import check_bool, check_choice, check_int


@runtime_checkable
class Trainable(Protocol):
    """可训练对象的约定：`Config.build` 指向的函数（或类）以 `build(**config.params)` 返回的就是它。

    运行器把一个配置的训练切成 `config.units` 个单位（`LayerTrainable` 里一个单位是一个回合），一次训练一个单位，
    单位之间可以换进程、可以中断后从检查点接着训练；约定保证无论怎样切分、接力、续跑，每个记录都逐位相同：

    - `train_unit(unit)`：训练第 `unit` 个单位（从 0 起依次调用；一个单位被中断时，在新构建并载入了前一个状态的对象上重训它），
      返回这个单位的记录。
      记录必须能写成 JSON（只含 dict、list、str、int、float、bool、None；NumPy/Paddle 数值先换成 float/int），
      运行器把它 JSON 往返一次再保存，所以元组会变成列表。调用前运行器已按 `unit_seed(config.seed, unit)`
      设好 paddle、numpy 与 random 的全局种子：单位内用到的随机数（打乱、dropout）只取决于配置的种子和单位；
    - `state_dict()`：每个单位之后调用，返回继续训练所需的全部状态（模型参数、优化器状态、学习率调度……），
      必须能 pickle（它在进程之间传递，并写进检查点）；
    - `set_state_dict(state)`：在一个新构建的对象上载入 `state_dict()` 的返回值，之后训练下一个单位与没有中断时
      逐位相同。

    构建、载入状态与训练都在这个配置自己的 Paddle 名字空间（`paddle.utils.unique_name`）里进行，所以参数名在任何
    进程里都一样；构建前按 `config.seed` 设好全部随机数（初始化由配置的种子决定）。

    三个可选的属性（没有时运行器用默认做法）：

    - `num_units`：对象打算训练的单位数（如 `num_epochs`）。不为 None 时必须等于 `config.units`，否则构建后立即
      报错并点名 units；
    - `unit_cost`：一个单位的大致工作量（任意单位的正数，默认 1.0）。每个单位之后读取、写进检查点；调度器据此
      先分派剩余工作量（剩余单位数 × `unit_cost`）最大的配置，让几个核大致同时结束；
    - `progress_hook`：有这个属性时，运行器在 `train_unit` 之前把它设成一个函数、之后设回 None；训练中用本单位已完成
      的比例（0 到 1 的浮点数）调用它，进度条据此前进（工作进程最多每 0.25 秒报告一次）。

    `check_trainable`（nndl/experiment/pool.py）在构建后检查这个约定（`isinstance(obj, Trainable)` 只看三个方法在不在）。
    """

    def train_unit(self, unit: int) -> Any:
        """训练第 `unit` 个单位，返回能写成 JSON 的记录。"""

    def state_dict(self) -> Any:
        """继续训练所需的全部状态（能 pickle）。"""

    def set_state_dict(self, state: Any) -> None:
        """载入 `state_dict()` 的返回值。"""


# `Trainable` 要求的方法名（check_trainable 用它逐个点名缺少的方法）。
TRAINABLE_METHODS = tuple(name for name, member in vars(Trainable).items()
                          if callable(member) and not name.startswith("_"))


def _param_list(optimizer):
    """优化器管理的参数（参数组展开）。"""
    params = []
    for item in optimizer._parameter_list or []:
        if isinstance(item, dict):
            params.extend(item["params"])
        else:
            params.append(item)
    return params


def _lr_scheduler(optimizer):
    lr = getattr(optimizer, "_learning_rate", None)
    return lr if isinstance(lr, paddle.optimizer.lr.LRScheduler) else None


def optimizer_state(optimizer, model):
    """优化器的全部状态，按参数结构名组织：`{"accumulators": {名: {结构名: 数组}}, "lr_scheduler": dict 或 None}`。"""
    if getattr(optimizer, "_master_weights", None):
        raise NotImplementedError("multi_precision 的主权重（master weights）还不支持保存")
    structured = {p.name: name for name, p in model.named_parameters()}
    accumulators = {}
    for acc_name, per_param in optimizer._accumulators.items():
        for param_name, var in per_param.items():
            if param_name not in structured:
                raise ValueError(f"优化器管理的参数 {param_name} 不属于 model")
            accumulators.setdefault(acc_name, {})[structured[param_name]] = var.numpy().copy()
    scheduler = _lr_scheduler(optimizer)
    return {"accumulators": accumulators, "lr_scheduler": scheduler.state_dict() if scheduler else None}


def set_optimizer_state(optimizer, model, state):
    """`optimizer_state` 的逆：先让优化器建好累积量（Paddle 本来在第一步时才建），再逐个写入保存的值。"""
    accumulators = state["accumulators"]
    if accumulators:
        block = paddle.static.default_main_program().global_block()
        optimizer._create_accumulators(block, [p for p in _param_list(optimizer) if not p.stop_gradient])
        params = dict(model.named_parameters())
        for acc_name, per_param in accumulators.items():
            if acc_name not in optimizer._accumulators:
                raise ValueError(f"状态里有优化器累积量 {acc_name!r}，{type(optimizer).__name__} 没有（换了优化器？）")
            for name, value in per_param.items():
                var = optimizer._accumulators[acc_name][params[name].name]
                if tuple(var.shape) != value.shape:
                    raise ValueError(f"累积量 {acc_name}/{name} 的形状 {value.shape} 与优化器中的 {tuple(var.shape)} 不同")
                var.set_value(value)
    scheduler = _lr_scheduler(optimizer)
    if (scheduler is None) != (state["lr_scheduler"] is None):
        raise ValueError("状态与优化器一个有学习率调度器、一个没有")
    if scheduler is not None:
        scheduler.set_state_dict(dict(state["lr_scheduler"]))


def _to_float(value):
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    return float(value)


class LayerTrainable:
    """一个 `paddle.nn.Layer` + 优化器的可训练对象（符合 `Trainable`），一个单位 = 一个回合（epoch）。

    - `train_data`/`dev_data`：`(X, y)` 张量；每批取 `batch_size` 个样本，保留最后不满的一批；
    - `shuffle=True`：每个回合用 `np.random.permutation` 打乱（运行器在每个单位前按 `unit_seed(seed, u)` 设好种子，
      所以打乱的顺序只取决于配置的种子和回合）；
    - `eval_steps > 0`：按 `nndl.loops.should_evaluate`（与 `RunnerV3` 共用）在 `dev_data` 上评价：全局步数 step > 0
      且 step 是 `eval_steps` 的倍数、以及最后一步；`eval_steps=0` 不评价；验证集也按 `batch_size` 分批；
    - 优化器带学习率调度器时，每个回合（`lr_step="epoch"`）或每步（`lr_step="step"`）调用一次 `scheduler.step()`。

    每个单位返回 `{"epoch": u, "train_loss": 本回合平均损失, "step_losses": [[global_step, loss], ...],
    "dev": [[global_step, score, loss], ...]}`。
    """

    def __init__(self, model, optimizer, loss_fn, metric, train_data, dev_data=None, batch_size=64, shuffle=False,
                 num_epochs=None, eval_steps=0, lr_step="epoch"):
        if not isinstance(model, paddle.nn.Layer):
            raise TypeError(f"model 必须是 paddle.nn.Layer，收到 {type(model).__name__}")
        if not isinstance(optimizer, paddle.optimizer.Optimizer):
            raise TypeError(f"optimizer 必须是 paddle.optimizer.Optimizer，收到 {type(optimizer).__name__}")
        if not callable(loss_fn):
            raise TypeError("loss_fn 必须可调用")
        self.train_X, self.train_y = self._check_data(train_data, "train_data")
        self.dev_data = None if dev_data is None else self._check_data(dev_data, "dev_data")
        self.batch_size = check_int(batch_size, "batch_size", min_val=1)
        self.num_epochs = check_int(num_epochs, "num_epochs", min_val=1)
        self.eval_steps = check_int(eval_steps, "eval_steps", min_val=0)
        self.shuffle = check_bool(shuffle, "shuffle")
        self.lr_step = check_choice(lr_step, "lr_step", ("epoch", "step"))
        if eval_steps and (self.dev_data is None or metric is None):
            raise ValueError("eval_steps > 0 时必须提供 dev_data 和 metric")
        self.model, self.optimizer, self.loss_fn, self.metric = model, optimizer, loss_fn, metric
        self.num_samples = self.train_X.shape[0]
        self.steps_per_epoch = math.ceil(self.num_samples / batch_size)
        self.num_units = num_epochs  # 运行器据此检查 Config.units
        # 粗略的每个回合工作量（只用于调度）：每步固定开销约相当于 5 个样本，加上评价的样本数。
        num_evals = len(self._eval_steps_in(0))
        dev_size = self.dev_data[0].shape[0] if self.dev_data is not None else 0
        self.unit_cost = float(self.steps_per_epoch * (5 + batch_size) + num_evals * dev_size / 3)
        self.progress_hook = None  # 运行器设置：每步后以本单位完成的比例调用

    @staticmethod
    def _check_data(data, name):
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            raise TypeError(f"{name} 必须是 (X, y) 两个张量")
        X, y = data
        if X.shape[0] != y.shape[0]:
            raise ValueError(f"{name} 的 X 有 {X.shape[0]} 个样本，y 有 {y.shape[0]} 个")
        if X.shape[0] == 0:
            raise ValueError(f"{name} 是空的")
        return X, y

    @property
    def num_training_steps(self):
        return self.num_epochs * self.steps_per_epoch

    def _eval_steps_in(self, unit):
        steps = range(unit * self.steps_per_epoch, (unit + 1) * self.steps_per_epoch)
        return [s for s in steps if should_evaluate(s, self.eval_steps, self.num_training_steps)]

    def _batches(self, X, y, order=None):
        n = X.shape[0]
        for start in range(0, n, self.batch_size):
            stop = min(start + self.batch_size, n)
            if order is None:
                yield X[start:stop], y[start:stop]
            else:
                index = paddle.to_tensor(order[start:stop])
                yield paddle.gather(X, index), paddle.gather(y, index)

    def train_unit(self, unit):
        """训练第 `unit` 个回合（从 0 开始），返回这个回合的记录。"""
        unit = check_int(unit, "unit", min_val=0, max_val=self.num_epochs - 1)
        scheduler = _lr_scheduler(self.optimizer)
        order = np.random.permutation(self.num_samples) if self.shuffle else None
        first_step = unit * self.steps_per_epoch
        dev = []

        def on_evaluate(global_step):
            score, dev_loss = self.evaluate()
            dev.append([global_step, score, dev_loss])

        def after_step(global_step):
            if scheduler is not None and self.lr_step == "step":
                scheduler.step()
            if self.progress_hook is not None:
                self.progress_hook((global_step - first_step + 1) / self.steps_per_epoch)

        step_losses, train_loss = autograd_epoch(
            self.model, self.optimizer, self.loss_fn, self._batches(self.train_X, self.train_y, order), first_step,
            self.num_training_steps, self.eval_steps, on_evaluate=on_evaluate, after_step=after_step)
        if scheduler is not None and self.lr_step == "epoch":
            scheduler.step()
        return {"epoch": unit, "train_loss": train_loss, "step_losses": [list(s) for s in step_losses], "dev": dev}

    def evaluate(self, data=None):
        """在 `data`（默认 `dev_data`）上评价，返回 `(score, loss)`。"""
        if data is None and self.dev_data is None:
            raise ValueError("没有 dev_data，evaluate 需要 data")
        X, y = self.dev_data if data is None else self._check_data(data, "data")
        if self.metric is None:
            raise ValueError("evaluate 需要 metric")
        score, loss = autograd_evaluate(self.model, self.loss_fn, self.metric, self._batches(X, y))
        return _to_float(score), loss

    def state_dict(self):
        return {"model": {name: value.numpy().copy() for name, value in self.model.state_dict().items()},
                "optimizer": optimizer_state(self.optimizer, self.model)}

    def set_state_dict(self, state):
        missing, unexpected = self.model.set_state_dict(dict(state["model"]))
        if missing or unexpected:
            raise ValueError(f"状态与模型不符：缺少 {missing}，多出 {unexpected}")
        set_optimizer_state(self.optimizer, self.model, state["optimizer"])
