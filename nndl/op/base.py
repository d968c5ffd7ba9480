"""算子基类 `Op`、优化器基类 `Optimizer` 与参数出现非有限值时的 `NonFiniteError`。

每个优化器只写它的更新公式（`update`），遍历参数、保存状态和步数 `t` 都由基类 `Optimizer` 负责。
`step()` 总是为参数生成新张量，从不原地修改调用者手里的张量。
"""

from collections.abc import MutableMapping
from types import SimpleNamespace

import paddle

from ..lr import LRSchedule
from ..validate import check_real, check_tensor_like


class NonFiniteError(FloatingPointError):
    """某一步更新后参数出现 inf 或 NaN（例如在无下界的函数上发散）。`step` 是出问题的步数。"""

    def __init__(self, step, key):
        self.step = step
        self.key = key
        super().__init__(f"第 {step} 步更新后参数 {key!r} 出现非有限值（inf 或 NaN），训练已在此停止")


class Op:
    """算子基类：`op(inputs)` 调用 `forward`，`backward` 计算梯度。"""

    def __call__(self, inputs):
        return self.forward(inputs)

    def forward(self, inputs):
        raise NotImplementedError

    def backward(self, inputs):
        raise NotImplementedError


class Optimizer:
    """优化器基类。

    `model` 是任何带有 `params` 与 `grads` 两个字典（键相同、形状相同）的对象；由几层算子组成的网络（7.6 节的
    `MLP_3L`）给出合并各层字典的视图，读写都落在各层自己的字典上。基类负责遍历参数、为每个参数保存状态
    （子类在 `state_names` 里列出，初值为零张量）和步数 `t`；子类只实现 `update(x, g, state)`：由参数 `x`、
    梯度 `g` 和该参数的状态算出新参数。

    `init_lr` 是一个正数（固定学习率），或一个学习率调度 `nndl.lr.LRSchedule`（动手练习 7.3）。更新公式里的
    学习率读 `self.lr`（书中的五个优化器沿用书中的名字 `self.init_lr`，二者是同一个值）：第 $t$ 次更新时
    它是 `schedule(t - 1)`，即调度在已做 $t-1$ 次更新后的值，与每次更新后调用一次 `scheduler.step()` 的
    Paddle 调度器相同。

    `check_each_step` 为真（默认）时，`step` 每一步都检查参数与梯度（类型、形状）、`update` 返回的新参数（与参数
    同类型、同形状的张量）和它是否有限；
    为假时只确认每个参数都有梯度。迭代几万次的全批量训练（7.6 节的 `BatchGD`）关掉它：每步的检查与一次更新
    代价相当，改由训练循环在记录损失时检查。
    """

    state_names = ()
    check_each_step = True

    def __init__(self, init_lr, model):
        if isinstance(init_lr, LRSchedule):
            self.lr_schedule = init_lr
        else:
            init_lr = check_real(init_lr, "init_lr", min_val=0, include_boundaries="neither")
            self.lr_schedule = None
            self._fixed_lr = init_lr
        for attr in ("params", "grads"):
            if not isinstance(getattr(model, attr, None), MutableMapping):
                raise TypeError(f"model 必须有字典属性 {attr!r}，收到 {type(model).__name__}")
        self.model = model
        self.t = 0
        self.state = {}

    lr_schedule = None

    @property
    def lr(self):
        """本次（step 中）或最近一次更新所用的学习率；还没有更新时是第一次更新将用的学习率。"""
        if self.lr_schedule is None:
            return self._fixed_lr
        return self.lr_schedule(max(self.t - 1, 0))

    @property
    def init_lr(self):
        """书中的名字：就是 `lr`。固定学习率时它等于构造时给出的值。"""
        return self.lr

    @init_lr.setter
    def init_lr(self, value):
        # 像书中那样在子类里写 self.init_lr = 数值：改为这个固定学习率（不检查，检查由调用者负责）
        self.lr_schedule = None
        self._fixed_lr = value

    def _checked_pairs(self):
        params, grads = self.model.params, self.model.grads
        if params.keys() != grads.keys():
            raise KeyError(f"model.params 与 model.grads 的键不同：{sorted(params)} 对 {sorted(grads)}")
        pairs = {}
        for key, x in params.items():
            g = grads[key]
            if not isinstance(x, paddle.Tensor) or not isinstance(g, paddle.Tensor):
                raise TypeError(f"params[{key!r}] 与 grads[{key!r}] 必须是 paddle.Tensor（先调用 backward）")
            if list(x.shape) != list(g.shape):
                raise ValueError(f"params[{key!r}] 的形状 {list(x.shape)} 与 grads[{key!r}] 的形状 {list(g.shape)} 不同")
            pairs[key] = (x, g)
        return pairs

    def _pairs(self):
        """不逐步检查时：`{键: (参数, 梯度)}`，只确认每个参数都有梯度。"""
        grads = self.model.grads
        pairs = {}
        for key, x in self.model.params.items():
            g = grads.get(key)
            if g is None:
                raise RuntimeError(f"参数 {key!r} 还没有梯度（先调用 backward）")
            pairs[key] = (x, g)
        return pairs

    def step(self):
        """用当前梯度更新一次全部参数；`t` 每次调用只加 1。逐步检查时（`check_each_step`），参数变为非有限值
        抛出 `NonFiniteError`，参数保持更新前的值。"""
        pairs = self._checked_pairs() if self.check_each_step else self._pairs()
        self.t += 1
        updated = {}
        for key, (x, g) in pairs.items():
            if key not in self.state:
                self.state[key] = SimpleNamespace(**{name: paddle.zeros_like(x) for name in self.state_names})
            new_x = self.update(x, g, self.state[key])
            if self.check_each_step:
                check_tensor_like(new_x, x, f"{type(self).__name__}.update 返回的 params[{key!r}]")
                if not bool(paddle.isfinite(new_x).all()):
                    raise NonFiniteError(self.t, key)
            updated[key] = new_x
        self.model.params.update(updated)

    def update(self, x, g, state):
        raise NotImplementedError
