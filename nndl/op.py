"""第 7 章手写的算子与优化器：`Op`、`Optimizer` 及其五个子类、`Linear` 和两个被优化函数。

每个优化器只写它的更新公式（`update`），遍历参数、保存状态和步数 `t` 都由基类 `Optimizer` 负责。
`step()` 总是为参数生成新张量，从不原地修改调用者手里的张量。
"""

import math
import numbers
from types import SimpleNamespace

import paddle


class NonFiniteError(FloatingPointError):
    """某一步更新后参数出现 inf 或 NaN（例如在无下界的函数上发散）。`step` 是出问题的步数。"""

    def __init__(self, step, key):
        self.step = step
        self.key = key
        super().__init__(f"第 {step} 步更新后参数 {key!r} 出现非有限值（inf 或 NaN），训练已在此停止")


def _check_positive(name, value):
    """学习率等超参数必须是有限的正数。"""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} 必须是有限的正数，收到 {value!r}")
    return float(value)


def _check_fraction(name, value):
    """衰减率必须在 [0, 1) 内。"""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"{name} 必须在 [0, 1) 内，收到 {value!r}")
    return float(value)


def _check_epsilon(value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
        raise ValueError(f"epsilon 必须是有限的非负数，收到 {value!r}")
    return float(value)


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

    `model` 是任何带有 `params` 与 `grads` 两个字典（键相同、形状相同）的对象。基类负责遍历参数、
    为每个参数保存状态（子类在 `state_names` 里列出，初值为零张量）和步数 `t`；子类只实现
    `update(x, g, state)`：由参数 `x`、梯度 `g` 和该参数的状态算出新参数。
    """

    state_names = ()

    def __init__(self, init_lr, model):
        self.init_lr = _check_positive("init_lr", init_lr)
        for attr in ("params", "grads"):
            if not isinstance(getattr(model, attr, None), dict):
                raise TypeError(f"model 必须有字典属性 {attr!r}，收到 {type(model).__name__}")
        self.model = model
        self.t = 0
        self.state = {}

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

    def step(self):
        """用当前梯度更新一次全部参数；`t` 每次调用只加 1。参数变为非有限值时抛出 `NonFiniteError`，参数保持更新前的值。"""
        pairs = self._checked_pairs()
        self.t += 1
        updated = {}
        for key, (x, g) in pairs.items():
            if key not in self.state:
                self.state[key] = SimpleNamespace(**{name: paddle.zeros_like(x) for name in self.state_names})
            new_x = self.update(x, g, self.state[key])
            if not bool(paddle.isfinite(new_x).all()):
                raise NonFiniteError(self.t, key)
            updated[key] = new_x
        self.model.params.update(updated)

    def update(self, x, g, state):
        raise NotImplementedError


class SimpleBatchGD(Optimizer):
    r"""小批量梯度下降：$\theta_t = \theta_{t-1} - \alpha g_t$。"""

    def update(self, x, g, state):
        return x - self.init_lr * g


class Adagrad(Optimizer):
    r"""AdaGrad：$G_t = G_{t-1} + g_t \odot g_t$，$\theta_t = \theta_{t-1} - \frac{\alpha}{\sqrt{G_t + \epsilon}} \odot g_t$。"""

    state_names = ("G",)

    def __init__(self, init_lr, model, epsilon):
        super().__init__(init_lr, model)
        self.epsilon = _check_epsilon(epsilon)

    def update(self, x, g, state):
        state.G = state.G + g * g
        return x - self.init_lr / paddle.sqrt(state.G + self.epsilon) * g


class RMSprop(Optimizer):
    r"""RMSprop：$G_t = \beta G_{t-1} + (1-\beta) g_t \odot g_t$，$\theta_t = \theta_{t-1} - \frac{\alpha}{\sqrt{G_t + \epsilon}} \odot g_t$。"""

    state_names = ("G",)

    def __init__(self, init_lr, model, beta, epsilon):
        super().__init__(init_lr, model)
        self.beta = _check_fraction("beta", beta)
        self.epsilon = _check_epsilon(epsilon)

    def update(self, x, g, state):
        state.G = self.beta * state.G + (1 - self.beta) * g * g
        return x - self.init_lr / paddle.sqrt(state.G + self.epsilon) * g


class Momentum(Optimizer):
    r"""动量法：$\Delta\theta_t = \rho \Delta\theta_{t-1} - \alpha g_t$，$\theta_t = \theta_{t-1} + \Delta\theta_t$。"""

    state_names = ("delta",)

    def __init__(self, init_lr, model, rho):
        super().__init__(init_lr, model)
        self.rho = _check_fraction("rho", rho)

    def update(self, x, g, state):
        state.delta = self.rho * state.delta - self.init_lr * g
        return x + state.delta


class Adam(Optimizer):
    r"""Adam：$M_t = \beta_1 M_{t-1} + (1-\beta_1) g_t$，$G_t = \beta_2 G_{t-1} + (1-\beta_2) g_t \odot g_t$，
    $\hat M_t = \frac{M_t}{1-\beta_1^t}$，$\hat G_t = \frac{G_t}{1-\beta_2^t}$，
    $\theta_t = \theta_{t-1} - \frac{\alpha}{\sqrt{\hat G_t + \epsilon}} \hat M_t$。

    `t` 是基类的步数：每次 `step()` 加 1，与参数个数无关（书中的代码每处理一个参数就加 1）。
    """

    state_names = ("M", "G")

    def __init__(self, init_lr, model, beta1, beta2, epsilon):
        super().__init__(init_lr, model)
        self.beta1 = _check_fraction("beta1", beta1)
        self.beta2 = _check_fraction("beta2", beta2)
        self.epsilon = _check_epsilon(epsilon)

    def update(self, x, g, state):
        state.M = self.beta1 * state.M + (1 - self.beta1) * g
        state.G = self.beta2 * state.G + (1 - self.beta2) * g * g
        M_hat = state.M / (1 - self.beta1 ** self.t)
        G_hat = state.G / (1 - self.beta2 ** self.t)
        return x - self.init_lr / paddle.sqrt(G_hat + self.epsilon) * M_hat


class Linear(Op):
    r"""线性算子 $z = XW + b$，`backward(labels)` 求损失 $\frac{1}{2K}\sum_k (y_k - z_k)^2$ 对 $W$、$b$ 的梯度。"""

    def __init__(self, input_size, weight_init=paddle.standard_normal, bias_init=paddle.zeros):
        if isinstance(input_size, bool) or not isinstance(input_size, numbers.Integral) or input_size < 1:
            raise ValueError(f"input_size 必须是正整数，收到 {input_size!r}")
        self.params = {"W": weight_init(shape=[input_size, 1]), "b": bias_init(shape=[1])}
        self.grads = {}
        self.inputs = None
        self.outputs = None

    def forward(self, inputs):
        if inputs.ndim != 2 or inputs.shape[1] != self.params["W"].shape[0]:
            raise ValueError(f"inputs 的形状应为 [K, {self.params['W'].shape[0]}]，收到 {list(inputs.shape)}")
        self.inputs = inputs
        self.outputs = paddle.matmul(inputs, self.params["W"]) + self.params["b"]
        return self.outputs

    def backward(self, labels):
        if self.outputs is None:
            raise RuntimeError("先调用 forward 再调用 backward")
        if list(labels.shape) != list(self.outputs.shape):
            raise ValueError(f"labels 的形状应为 {list(self.outputs.shape)}，收到 {list(labels.shape)}")
        K = self.inputs.shape[0]
        error = self.outputs - labels
        self.grads["W"] = paddle.matmul(self.inputs.T, error) / K
        self.grads["b"] = paddle.sum(error, axis=0) / K


class OptimizedFunction(Op):
    r"""二维被优化函数 $f(\boldsymbol{x}) = \boldsymbol{w}^\top \boldsymbol{x}^2$（$\boldsymbol{x}^2$ 逐元素平方），梯度 $2\boldsymbol{w} \odot \boldsymbol{x}$。"""

    def __init__(self, w):
        self.w = w.astype("float32") if isinstance(w, paddle.Tensor) else paddle.to_tensor(w, dtype="float32")
        if self.w.ndim != 1:
            raise ValueError(f"w 必须是一维向量，收到形状 {list(self.w.shape)}")
        self.params = {"x": None}
        self.grads = {"x": None}

    def value(self, x):
        """函数值，不记录 `x`；`x` 的形状为 `[2]`，或 `[2, ...]`（一组点，例如画等高线的网格）。"""
        if x.ndim < 1 or x.shape[0] != self.w.shape[0]:
            raise ValueError(f"x 的第一维应为 {self.w.shape[0]}，收到形状 {list(x.shape)}")
        w = self.w.reshape([-1] + [1] * (x.ndim - 1))
        return paddle.sum(w * x * x, axis=0)

    def forward(self, x):
        if list(x.shape) != list(self.w.shape):
            raise ValueError(f"x 的形状应为 {list(self.w.shape)}，收到 {list(x.shape)}")
        self.params["x"] = x
        return self.value(x)

    def backward(self):
        self.grads["x"] = 2 * self.w * self.params["x"]


class OptimizedFunction3D(Op):
    r"""三维可视化用的函数 $f(x_0, x_1) = x_0^2 + x_1^2 + x_1^3 + x_0 x_1$，梯度 $(2x_0 + x_1,\ 2x_1 + 3x_1^2 + x_0)$。"""

    def __init__(self):
        self.params = {"x": None}
        self.grads = {"x": None}

    @staticmethod
    def value(x):
        """函数值，不记录 `x`；`x` 的形状为 `[2]`，或 `[2, ...]`（一组点，例如画曲面的网格）。"""
        if x.ndim < 1 or x.shape[0] != 2:
            raise ValueError(f"x 的第一维应为 2，收到形状 {list(x.shape)}")
        x0, x1 = x[0], x[1]
        return x0 * x0 + x1 * x1 + x1 * x1 * x1 + x0 * x1

    def forward(self, x):
        if list(x.shape) != [2]:
            raise ValueError(f"x 的形状应为 [2]，收到 {list(x.shape)}")
        self.params["x"] = x
        return self.value(x)

    def backward(self):
        x0, x1 = self.params["x"][0], self.params["x"][1]
        self.grads["x"] = paddle.stack([2 * x0 + x1, 2 * x1 + 3 * x1 * x1 + x0])
