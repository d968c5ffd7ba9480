"""本章的 `paddle.nn` 模型：卷积层 `Conv2D` 与 LeNet（7.2 节、动手练习 7.5、7.6），7.4、7.5 节记录每层输出的
前馈网络 `MLP`，7.5.1.5 节与动手练习 7.8 的 MNIST 卷积网络 `NormCNN`。

`Conv2D` 与 `paddle.nn.Conv2D` 相同，只是偏置换一种加法。Paddle 3.3.1 在 CPU 上计算卷积输出加偏置的广播加法
`[N, C, H, W] + [1, C, 1, 1]` 极慢（LeNet 批大小 64 时第一层约 1.8 ms，先 `expand` 成同形状再相加约 0.1 ms），
训练时间的三分之一花在这里。`Conv2D` 先不带偏置卷积，再把偏置 `expand` 成输出的形状相加：前向的每个数都相同，
参数的名字（类名相同，所以 Paddle 起的名字也相同）、初始化与 `state_dict` 不变；只有反向传播时偏置梯度的求和顺序
不同，相差 float32 的舍入误差。本章的两个卷积模型（`lenet()` 与 `NormCNN`）都用它。
"""

import paddle
import paddle.nn as nn
import paddle.nn.functional as F
from paddle.vision.models import LeNet

from .op.norm import BatchNorm, LayerNorm
from .validate import check_choice, check_int, check_real

# 规范化的选择：不规范化、批量规范化、层规范化（MLP 的 norm_name 与 NormCNN 的 norm）。
NORMS = (None, "bn", "ln")

class Conv2D(paddle.nn.Conv2D):
    """`paddle.nn.Conv2D`，偏置先 `expand` 成输出的形状再相加（见模块说明）。参数与构造方式同 `paddle.nn.Conv2D`。"""

    def forward(self, x):
        if self._padding_mode != "zeros" or self.bias is None:
            return super().forward(x)
        y = F.conv2d(x, self.weight, None, self._stride, self._padding, self._dilation, self._groups,
                     self._data_format)
        shape = [1, -1, 1, 1] if self._data_format == "NCHW" else [1, 1, 1, -1]
        return y + self.bias.reshape(shape).expand(y.shape)


def lenet(num_classes=10):
    """书中的 `paddle.vision.models.LeNet(num_classes)`，两个卷积层换成本模块的 `Conv2D`（只有加偏置的写法不同）。"""
    model = LeNet(num_classes=num_classes)
    for layer in model.features:
        if type(layer) is paddle.nn.Conv2D:
            layer.__class__ = Conv2D
    return model


def _layers_size(layers_size):
    """各层神经元个数的列表（至少两个正整数）。"""
    if isinstance(layers_size, (str, bytes)) or not hasattr(layers_size, "__len__"):
        raise TypeError(f"layers_size 必须是各层神经元个数的列表，收到 {layers_size!r}")
    if len(layers_size) < 2:
        raise ValueError(f"layers_size 至少要有输入层和输出层两个数，收到 {layers_size!r}")
    return [check_int(size, "layers_size 的每一项", min_val=1) for size in layers_size]


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
        self.layers_size = _layers_size(layers_size)
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
        check_choice(norm_name, "norm_name", NORMS)
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
        return [check_real(v, f"{name} 的每一项") for v in values]

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
        return check_real(self.init_fn(input_size, output_size), f"init_fn({input_size}, {output_size}) 的返回值",
                          min_val=0, include_boundaries="neither")

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


def _norm_layer(norm, channels, size):
    if norm == "bn":
        return nn.BatchNorm2D(channels)
    if norm == "ln":
        return nn.LayerNorm([channels, size, size])
    return nn.Identity()


class NormCNN(nn.Layer):
    """书中 7.5.1.5 节的 MNIST 卷积网络；`norm` 选择卷积之后的规范化层（None、'bn' 或 'ln'）。"""

    def __init__(self, norm=None):
        super().__init__()
        self.norm = check_choice(norm, "norm", NORMS)
        self.conv1 = Conv2D(1, 20, kernel_size=5, padding=2)
        self.norm1 = _norm_layer(norm, 20, 28)
        self.conv2 = Conv2D(20, 20, kernel_size=5, padding=2)
        self.norm2 = _norm_layer(norm, 20, 14)
        self.fc = nn.Linear(980, 10)

    def forward(self, X):
        X = F.max_pool2d(F.relu(self.norm1(self.conv1(X))), kernel_size=2, stride=2)
        X = F.max_pool2d(F.relu(self.norm2(self.conv2(X))), kernel_size=2, stride=2)
        return self.fc(paddle.flatten(X, start_axis=1))
