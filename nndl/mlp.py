"""7.4 节的多层前馈网络 `MLP`（记录每层输出，用来观察初始化对各层方差的影响），
以及 7.4.2.3 节与动手练习 7.7 的 Moon1000 数据和实验构建函数 `moons_trainable`（供 `nndl.experiment` 使用）。
"""

import math
import numbers

import numpy as np
import paddle
import paddle.nn as nn
import paddle.nn.functional as F

from .init import kaiming_normal_std, kaiming_uniform_r, xavier_normal_std, xavier_uniform_r

__all__ = ["MLP", "layer_variances", "INITS", "ACTIVATIONS", "MOONS_LAYERS", "MOONS_EPOCHS", "moons_data",
           "moons_trainable"]


def _check_layers_size(layers_size):
    if isinstance(layers_size, (str, bytes)) or not hasattr(layers_size, "__len__"):
        raise TypeError(f"layers_size 必须是各层神经元个数的列表，收到 {layers_size!r}")
    sizes = list(layers_size)
    if len(sizes) < 2:
        raise ValueError(f"layers_size 至少要有输入层和输出层两个数，收到 {layers_size!r}")
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
            raise ValueError(f"layers_size 的每一项都必须是正整数，收到 {layers_size!r}")
    return [int(s) for s in sizes]


class MLP(nn.Layer):
    r"""由若干 `nn.Linear` 组成的前馈网络，`forward` 把每一层的输出记录在 `self.z` 里。

    - `layers_size`：各层神经元个数，如 `[100, 200, 400, 300, 200, 100]`（第一个数是输入维数）；
    - `init_fn_name`：权重的初始化方式。`'normal'`：高斯分布 $\mathcal{N}(0, \sigma^2)$，
      $\sigma$ = `init_fn(input_size, output_size)`；`'uniform'`：均匀分布 $\mathcal{U}[-r, r]$，
      $r$ = `init_fn(input_size, output_size)`；其他任何名字：标准高斯分布 $\mathcal{N}(0, 1)$（不用 `init_fn`）；
    - `init_fn`：由一层的输入、输出个数算出 $\sigma$ 或 $r$ 的函数，如 `nndl.init.xavier_normal_std`；
    - `act_fn`：激活函数的**类**，如 `nn.Tanh`，每个隐藏层之后使用一次（输出层不用激活函数）。

    - `norm_name`（7.5 节）：`None`（不规范化，7.4 节）、`'bn'`（批量规范化 `nndl.op.BatchNorm`）或 `'ln'`
      （层规范化 `nndl.op.LayerNorm`）；规范化放在**每一层**的线性变换之后、激活之前；
    - `gamma`、`beta`（7.5 节）：每层规范化的缩放与平移初值，长度等于层数的列表（默认全为 1 与 0）。

    偏置都初始化为 0（`nn.Linear` 的默认值）。`self.z[i]` 记录第 `i` 层（从 0 数）：不规范化时（7.4 节）是该层的
    输出，隐藏层是激活之后的值，最后一层是线性输出；规范化时（7.5 节）是规范化之后、激活之前的值。
    `self.net_input[i]` 总是第 `i` 层送进激活函数之前的值（不规范化时就是线性输出），7.5 节用它比较有无规范化。
    规范化层是登记在 `self.normalization`（`nn.LayerList`）里的子层，随模型进入 `state_dict`。
    """

    def __init__(self, layers_size, init_fn_name, init_fn=None, act_fn=nn.Tanh, norm_name=None, gamma=None,
                 beta=None):
        super().__init__()
        self.layers_size = _check_layers_size(layers_size)
        if not isinstance(init_fn_name, str):
            raise TypeError(f"init_fn_name 必须是字符串（'normal'、'uniform' 或其他名字），收到 {init_fn_name!r}")
        if init_fn_name in ("normal", "uniform") and not callable(init_fn):
            raise TypeError(f"init_fn_name={init_fn_name!r} 时 init_fn 必须是函数 init_fn(input_size, output_size)，"
                            f"收到 {init_fn!r}")
        if not (isinstance(act_fn, type) and issubclass(act_fn, nn.Layer)):
            raise TypeError(f"act_fn 必须是激活函数的类（paddle.nn.Layer 的子类，如 nn.Tanh），收到 {act_fn!r}")
        self.init_fn_name = init_fn_name
        self.init_fn = init_fn
        self.num_layers = len(self.layers_size) - 1
        self.linear = nn.LayerList([
            nn.Linear(m_in, m_out, weight_attr=paddle.ParamAttr(initializer=self.weight_initializer(m_in, m_out)))
            for m_in, m_out in zip(self.layers_size[:-1], self.layers_size[1:])])
        self.act_fn = act_fn()
        self.norm_name = norm_name
        self.normalization = self._normalization_layers(norm_name, gamma, beta)
        self.z = {}
        self.net_input = {}

    def _normalization_layers(self, norm_name, gamma, beta):
        """每层一个规范化子层（`norm_name` 为 None 时返回 None）。"""
        from .op.norm import BatchNorm, LayerNorm

        if norm_name not in (None, "bn", "ln"):
            raise ValueError(f"norm_name 必须是 None、'bn' 或 'ln'，收到 {norm_name!r}")
        gamma = self._per_layer("gamma", gamma, 1.0)
        beta = self._per_layer("beta", beta, 0.0)
        if norm_name is None:
            return None
        if norm_name == "bn":
            return nn.LayerList([BatchNorm(size, gamma=g, beta=b)
                                 for size, g, b in zip(self.layers_size[1:], gamma, beta)])
        return nn.LayerList([LayerNorm(gamma=g, beta=b) for g, b in zip(gamma, beta)])

    def _per_layer(self, name, values, default):
        if values is None:
            return [default] * self.num_layers
        if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or len(values) != self.num_layers:
            raise ValueError(f"{name} 必须是长度为层数 {self.num_layers} 的列表，收到 {values!r}")
        for value in values:
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
                raise ValueError(f"{name} 的每一项都必须是有限的实数，收到 {values!r}")
        return [float(v) for v in values]

    def weight_initializer(self, input_size, output_size):
        """按 `init_fn_name` 返回一层权重（形状 `[input_size, output_size]`）的 Paddle 初始化器。"""
        if self.init_fn_name == "normal":
            std = self._scale(input_size, output_size)
            return nn.initializer.Normal(mean=0.0, std=std)
        if self.init_fn_name == "uniform":
            r = self._scale(input_size, output_size)
            return nn.initializer.Uniform(low=-r, high=r)
        return nn.initializer.Normal(mean=0.0, std=1.0)

    def _scale(self, input_size, output_size):
        value = self.init_fn(input_size, output_size)
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
            raise ValueError(f"init_fn({input_size}, {output_size}) 必须返回有限的正数，收到 {value!r}")
        return float(value)

    def normalize(self, i, y, train_mode=True):
        """第 `i` 层在激活之前的规范化（`norm_name` 为 None 时原样返回）；`train_mode` 只对批量规范化有意义。"""
        if self.normalization is None:
            return y
        if self.norm_name == "bn":
            return self.normalization[i](y, train_mode)
        return self.normalization[i](y)

    def forward(self, X, train_mode=True):
        y = X
        for i, linear in enumerate(self.linear):
            y = self.normalize(i, linear(y), train_mode)
            self.net_input[i] = y
            if self.normalization is not None:
                self.z[i] = y
            if i != self.num_layers - 1:
                y = self.act_fn(y)
            if self.normalization is None:
                self.z[i] = y
        return y


def layer_variances(build, num_nets=10, num_inputs=1000, input_std=0.1, seed=0):
    r"""在许多个输入、若干个独立初始化的网络上测量每层输出的方差（前向）与回传梯度的方差（反向）。

    对 `k = 0 … num_nets-1`：`paddle.seed(seed + k)` 后用 `build()` 新建一个网络（`MLP`），输入 `num_inputs` 个
    服从 $\mathcal{N}(0, \sigma_x^2)$（$\sigma_x$ = `input_std`） 的样本（形状 `[num_inputs, 输入维数]`）；
    `forward[k, i]` 是第 `i` 层输出 `z[i]` 在全部样本和全部神经元上的方差。反向时从输出层回传一个方差为 1 的
    随机梯度 $\boldsymbol g \sim \mathcal{N}(0, 1)$（即对 $L = \sum \boldsymbol g \odot \boldsymbol z$ 求导），
    `backward[k, i]` 是 $\partial L / \partial \boldsymbol z_i$ 的方差（最后一层就是 $\boldsymbol g$ 本身）。

    返回 NumPy 数组 `(forward, backward)`，形状都是 `[num_nets, 层数]`。
    """
    for name, value in (("num_nets", num_nets), ("num_inputs", num_inputs)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 2:
            raise ValueError(f"{name} 必须是不小于 2 的整数，收到 {value!r}")
    if isinstance(input_std, bool) or not isinstance(input_std, numbers.Real) or not input_std > 0:
        raise ValueError(f"input_std 必须是正数，收到 {input_std!r}")
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
# 7.4.2.3 节与动手练习 7.7 每个配置训练的回合数：full 与书中相同，quick 让整页在双核 CPU 上 45 秒内跑完。
MOONS_EPOCHS = {"quick": 60, "full": 100}


def _choice(name, value, options):
    if value not in options:
        raise ValueError(f"{name} 必须是 {', '.join(map(repr, options))} 之一，收到 {value!r}")
    return options[value]


def moons_data(n_samples=300, noise=0.5, num_train=200):
    """7.4.2.3 节的数据：`make_moons(n_samples, shuffle=True, noise)`，前 `num_train` 个训练，其余验证。

    返回 `((X_train, y_train), (X_dev, y_dev))`，标签形状 `[N, 1]`（`F.binary_cross_entropy_with_logits` 要求
    与 logits 同形）。数据由调用前的 `paddle.seed` 决定。
    """
    from .data import make_moons

    if isinstance(num_train, bool) or not isinstance(num_train, numbers.Integral) or not 0 < num_train < n_samples:
        raise ValueError(f"num_train 必须是 1 到 n_samples - 1 之间的整数，收到 {num_train!r}")
    X, y = make_moons(n_samples=n_samples, shuffle=True, noise=noise)
    y = y.reshape([-1, 1])
    return (X[:num_train], y[:num_train]), (X[num_train:], y[num_train:])


def moons_trainable(init, act="tanh", num_epochs=100, lr=0.005, batch_size=10, layers_size=MOONS_LAYERS,
                    n_samples=300, noise=0.5, num_train=200, eval_steps=400):
    """7.4.2.3 节（及动手练习 7.7）的一个实验配置：在 Moon 数据上训练 `MLP`，供 `nndl.experiment.run` 调用。

    `init` 是 `INITS` 的键（如 `'xavier_normal'`、`'standard_normal'`），`act` 是 `ACTIVATIONS` 的键。
    与书中相同：数据先由种子生成（两个配置种子相同，数据就相同），再创建模型；SGD（学习率 `lr`）、
    `F.binary_cross_entropy_with_logits`、`Accuracy(is_logist=True)`，批大小 10、打乱，每 `eval_steps` 步
    在验证集上评价一次。一个单元是一个回合。
    """
    from .experiment import LayerTrainable
    from .runner import Accuracy

    init_fn_name, init_fn = _choice("init", init, INITS)
    act_fn = _choice("act", act, ACTIVATIONS)
    train_data, dev_data = moons_data(n_samples, noise, num_train)
    model = MLP(layers_size, init_fn_name, init_fn, act_fn)
    optimizer = paddle.optimizer.SGD(learning_rate=lr, parameters=model.parameters())
    return LayerTrainable(model, optimizer, F.binary_cross_entropy_with_logits, Accuracy(is_logist=True),
                          train_data, dev_data, batch_size=batch_size, shuffle=True, num_epochs=num_epochs,
                          eval_steps=eval_steps)
