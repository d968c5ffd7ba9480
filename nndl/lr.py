r"""学习率调度（动手练习 7.3）：《神经网络与深度学习》7.2.3.1 节的学习率衰减、预热与周期性学习率。

每个调度都是**无状态**的函数：`schedule(t)` 给出**已做 t 次更新之后**、即第 $t+1$ 次更新所用的学习率
（$t = 0, 1, 2, \dots$）。手写优化器在构造时接受一个调度代替浮点数的 `init_lr`，基类 `Optimizer` 每一步
向调度要当前的学习率，更新公式本身不变。

名字与参数沿用 `paddle.optimizer.lr` 中对应的类，`t` 就是 Paddle 调度器的 `last_epoch`（每次更新后调用
一次 `scheduler.step()`）；`nndl.check.paddle_scheduler` 给出对应的 Paddle 调度器，测试逐步比较两者。

| 本模块 | 教科书中的名称 | 公式（$\alpha_0$ 为初始学习率） |
|---|---|---|
| `PiecewiseDecay` | 分段常数衰减 | 在第 $T_1, T_2, \dots$ 步处依次换成 $\alpha_1, \alpha_2, \dots$ |
| `InverseTimeDecay` | 逆时衰减 | $\alpha_t = \alpha_0 \frac{1}{1 + \beta t}$ |
| `ExponentialDecay` | 指数衰减 | $\alpha_t = \alpha_0 \beta^t$ |
| `NaturalExpDecay` | 自然指数衰减 | $\alpha_t = \alpha_0 \exp(-\beta t)$ |
| `CosineAnnealingDecay` | 余弦衰减 | $\alpha_t = \eta_{\min} + \frac12(\alpha_0 - \eta_{\min})\left(1 + \cos\frac{t\pi}{T}\right)$ |
| `LinearWarmup` | 学习率预热 | 前 $T'$ 步从 `start_lr` 线性升到 `end_lr`，之后用给定的学习率或调度（从 0 数起） |
| `CyclicLR` | 周期性学习率（三角循环） | 在 `base_lr` 与 `max_lr` 之间线性升降，一个周期 `step_size_up + step_size_down` 步 |
"""

import math

from .validate import check_choice, check_int, check_real

__all__ = ["LRSchedule", "PiecewiseDecay", "InverseTimeDecay", "ExponentialDecay", "NaturalExpDecay",
           "CosineAnnealingDecay", "LinearWarmup", "CyclicLR"]


class LRSchedule:
    """学习率调度的基类：子类实现 `value(t)`；`schedule(t)` 检查 `t` 后返回浮点数的学习率。"""

    def __call__(self, t):
        t = check_int(t, "t（已做的更新次数）", min_val=0)
        return float(self.value(t))

    def value(self, t):
        raise NotImplementedError

    def values(self, steps):
        """前 `steps` 次更新依次使用的学习率（列表）。"""
        steps = check_int(steps, "steps", min_val=1)
        return [self(t) for t in range(steps)]

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class PiecewiseDecay(LRSchedule):
    """分段常数衰减：`t < boundaries[0]` 时为 `values[0]`，`boundaries[i-1] ≤ t < boundaries[i]` 时为 `values[i]`，
    最后一个边界之后为 `values[-1]`。`values` 比 `boundaries` 多一个。"""

    def __init__(self, boundaries, values):
        self.boundaries = [check_int(b, "boundaries 的元素", min_val=1) for b in boundaries]
        if not self.boundaries or any(a >= b for a, b in zip(self.boundaries, self.boundaries[1:])):
            raise ValueError(f"boundaries 必须是非空的严格递增正整数序列，收到 {boundaries!r}")
        self.values_ = [check_real(v, "values 的元素", min_val=0, include_boundaries="neither") for v in values]
        if len(self.values_) != len(self.boundaries) + 1:
            raise ValueError(f"values 必须比 boundaries 多一个元素：收到 {len(self.values_)} 个与 {len(self.boundaries)} 个")

    def value(self, t):
        for boundary, lr in zip(self.boundaries, self.values_):
            if t < boundary:
                return lr
        return self.values_[-1]


class InverseTimeDecay(LRSchedule):
    r"""逆时衰减：$\alpha_t = \alpha_0 / (1 + \gamma t)$（教科书记衰减率为 $\beta$）。"""

    def __init__(self, init_lr, gamma):
        init_lr = check_real(init_lr, "init_lr", min_val=0, include_boundaries="neither")
        gamma = check_real(gamma, "gamma", min_val=0, include_boundaries="neither")
        self.init_lr = init_lr
        self.gamma = gamma

    def value(self, t):
        return self.init_lr / (1 + self.gamma * t)


class ExponentialDecay(LRSchedule):
    r"""指数衰减：$\alpha_t = \alpha_0 \gamma^t$，$0 < \gamma < 1$。"""

    def __init__(self, init_lr, gamma):
        init_lr = check_real(init_lr, "init_lr", min_val=0, include_boundaries="neither")
        gamma = check_real(gamma, "gamma", min_val=0, max_val=1, include_boundaries="neither")
        self.init_lr = init_lr
        self.gamma = gamma

    def value(self, t):
        return self.init_lr * self.gamma ** t


class NaturalExpDecay(LRSchedule):
    r"""自然指数衰减：$\alpha_t = \alpha_0 \exp(-\gamma t)$。"""

    def __init__(self, init_lr, gamma):
        init_lr = check_real(init_lr, "init_lr", min_val=0, include_boundaries="neither")
        gamma = check_real(gamma, "gamma", min_val=0, include_boundaries="neither")
        self.init_lr = init_lr
        self.gamma = gamma

    def value(self, t):
        return self.init_lr * math.exp(-self.gamma * t)


class CosineAnnealingDecay(LRSchedule):
    r"""余弦衰减：$\alpha_t = \eta_{\min} + \frac12(\alpha_0 - \eta_{\min})(1 + \cos\frac{t\pi}{T})$，`T = T_max`。

    第 `T_max` 步降到 `eta_min`；之后与 Paddle 一样按余弦周期性地升回去（周期 `2 * T_max`）。
    """

    def __init__(self, init_lr, T_max, eta_min=0.0):
        init_lr = check_real(init_lr, "init_lr", min_val=0, include_boundaries="neither")
        T_max = check_int(T_max, "T_max", min_val=1)
        eta_min = check_real(eta_min, "eta_min", min_val=0)
        if eta_min > init_lr:
            raise ValueError(f"eta_min 不能大于 init_lr：收到 {eta_min!r} 与 {init_lr!r}")
        self.init_lr = init_lr
        self.T_max = T_max
        self.eta_min = eta_min

    def value(self, t):
        return self.eta_min + (self.init_lr - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) / 2


class LinearWarmup(LRSchedule):
    r"""学习率预热：前 `warmup_steps` 步 $\alpha_t = \text{start\_lr} + (\text{end\_lr} - \text{start\_lr})\,t / T'$，
    之后用 `learning_rate`：一个浮点数，或一个调度（它的 `t` 从预热结束时的 0 数起）。"""

    def __init__(self, learning_rate, warmup_steps, start_lr, end_lr):
        if not isinstance(learning_rate, LRSchedule):
            learning_rate = check_real(learning_rate, "learning_rate", min_val=0, include_boundaries="neither")
        warmup_steps = check_int(warmup_steps, "warmup_steps", min_val=1)
        start_lr = check_real(start_lr, "start_lr", min_val=0)
        end_lr = check_real(end_lr, "end_lr", min_val=0, include_boundaries="neither")
        if end_lr <= start_lr:
            raise ValueError(f"end_lr 必须大于 start_lr：收到 {end_lr!r} 与 {start_lr!r}")
        self.learning_rate = learning_rate
        self.warmup_steps = warmup_steps
        self.start_lr = start_lr
        self.end_lr = end_lr

    def value(self, t):
        if t < self.warmup_steps:
            return (self.end_lr - self.start_lr) * t / self.warmup_steps + self.start_lr
        if isinstance(self.learning_rate, LRSchedule):
            return self.learning_rate(t - self.warmup_steps)
        return self.learning_rate


class CyclicLR(LRSchedule):
    r"""周期性学习率（三角循环）：每个周期先用 `step_size_up` 步从 `base_lr` 线性升到 `max_lr`，再用
    `step_size_down` 步（默认与上升相同）降回 `base_lr`。

    `mode="triangular"` 每个周期的幅度相同；`"triangular2"` 每过一个周期幅度减半；`"exp_range"` 幅度乘以
    `exp_gamma ** t`。
    """

    MODES = ("triangular", "triangular2", "exp_range")

    def __init__(self, base_lr, max_lr, step_size_up, step_size_down=None, mode="triangular", exp_gamma=1.0):
        base_lr = check_real(base_lr, "base_lr", min_val=0)
        max_lr = check_real(max_lr, "max_lr", min_val=0, include_boundaries="neither")
        if max_lr < base_lr:
            raise ValueError(f"max_lr 不能小于 base_lr：收到 {max_lr!r} 与 {base_lr!r}")
        step_size_up = check_int(step_size_up, "step_size_up", min_val=1)
        if step_size_down is None:
            step_size_down = step_size_up
        step_size_down = check_int(step_size_down, "step_size_down", min_val=1)
        check_choice(mode, "mode", self.MODES)
        exp_gamma = check_real(exp_gamma, "exp_gamma", min_val=0, max_val=1, include_boundaries="right")
        self.base_lr = base_lr
        self.max_lr = max_lr
        self.step_size_up = step_size_up
        self.step_size_down = step_size_down
        self.mode = mode
        self.exp_gamma = exp_gamma

    def value(self, t):
        cycle_size = self.step_size_up + self.step_size_down
        up_fraction = self.step_size_up / cycle_size
        cycle = 1 + t // cycle_size                  # 第几个周期（从 1 数起）
        position = 1.0 + t / cycle_size - cycle      # 在本周期中的位置，[0, 1)
        if position <= up_fraction:
            height = position / up_fraction
        else:
            height = (1 - position) / (1 - up_fraction)
        if self.mode == "triangular":
            scale = 1.0
        elif self.mode == "triangular2":
            scale = 1 / 2.0 ** (cycle - 1)
        else:
            scale = self.exp_gamma ** t
        return self.base_lr + (self.max_lr - self.base_lr) * height * scale
