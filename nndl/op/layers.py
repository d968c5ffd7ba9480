"""第 7.6 节手写的网络：第 4 章风格的线性层算子、激活函数、Dropout、三层前馈网络、带 ℓ2 的损失和带权重衰减的 `BatchGD`。

全部前向与反向都手写（不用 Paddle 的自动微分）。约定与第 4 章相同：

- 带参数的算子有 `params` 与 `grads` 两个字典；
- `backward(grads)` 接收损失对本算子**输出**的梯度，保存参数的梯度，返回损失对本算子**输入**的梯度；
- 网络的 `layers` 列表按前向顺序列出全部算子，反向时倒序调用；网络的 `params`、`grads` 把各层的字典合成一个
  （键如 `"fc1.W"`），优化器像对待 7.3 节的模型一样遍历它们。

7.3 节的 `nndl.op.Linear(input_size)` 是另一个算子（单输出的线性回归，`backward(labels)` 直接求均方误差对参数的
梯度），保持不变；这里的线性层叫 `LinearLayer`，对应书中第 4 章的 `op.Linear(in_features, out_features, name)`。
"""

from collections.abc import ItemsView, MutableMapping

import paddle

from ..validate import check_int, check_real
from .base import Op, Optimizer


class LinearLayer(Op):
    r"""线性层 $\boldsymbol Z = \boldsymbol X \boldsymbol W + \boldsymbol b$（书中第 4 章的 `op.Linear`）。

    $\boldsymbol W$ 的形状为 `[in_features, out_features]`，默认从标准正态分布 $\mathcal N(0, 1)$ 采样；
    $\boldsymbol b$ 的形状为 `[1, out_features]`，默认为零。`backward(grads)` 由 $\boldsymbol\delta =
    \frac{\partial \mathcal L}{\partial \boldsymbol Z}$ 算出 $\frac{\partial \mathcal L}{\partial \boldsymbol W} =
    \boldsymbol X^\top \boldsymbol\delta$、$\frac{\partial \mathcal L}{\partial \boldsymbol b} = \mathbf 1^\top
    \boldsymbol\delta$，存入 `grads`，返回 $\frac{\partial \mathcal L}{\partial \boldsymbol X} = \boldsymbol\delta
    \boldsymbol W^\top$。
    """

    def __init__(self, in_features, out_features, name=None,
                 weight_init=paddle.standard_normal, bias_init=paddle.zeros):
        in_features = check_int(in_features, "in_features", min_val=1)
        out_features = check_int(out_features, "out_features", min_val=1)
        self.name = name
        self.params = {"W": weight_init(shape=[in_features, out_features]),
                       "b": bias_init(shape=[1, out_features])}
        self.grads = {}
        self.inputs = None

    def forward(self, inputs):
        in_features = self.params["W"].shape[0]
        if inputs.ndim != 2 or inputs.shape[1] != in_features:
            raise ValueError(f"inputs 的形状应为 [N, {in_features}]，收到 {list(inputs.shape)}")
        self.inputs = inputs
        return paddle.matmul(inputs, self.params["W"]) + self.params["b"]

    def backward(self, grads):
        if self.inputs is None:
            raise RuntimeError("先调用 forward 再调用 backward")
        self.grads["W"] = paddle.matmul(self.inputs.T, grads)
        self.grads["b"] = paddle.sum(grads, axis=0, keepdim=True)
        return paddle.matmul(grads, self.params["W"].T)


class ReLU(Op):
    r"""ReLU：前向 $\boldsymbol A = \max(\boldsymbol Z, 0)$，反向 $\boldsymbol\delta \odot \mathbb 1[\boldsymbol A > 0]$。"""

    def __init__(self):
        self.params = None
        self.outputs = None

    def forward(self, inputs):
        self.outputs = paddle.clip(inputs, min=0.0)  # max(Z, 0)
        return self.outputs

    def backward(self, grads):
        if self.outputs is None:
            raise RuntimeError("先调用 forward 再调用 backward")
        return grads * (self.outputs > 0).astype(grads.dtype)


class Logistic(Op):
    r"""Logistic 函数：前向 $\sigma(\boldsymbol Z) = \frac{1}{1 + e^{-\boldsymbol Z}}$，反向 $\boldsymbol\delta \odot \sigma \odot (1 - \sigma)$。"""

    def __init__(self):
        self.params = None
        self.outputs = None

    def forward(self, inputs):
        self.outputs = 1.0 / (1.0 + paddle.exp(-inputs))
        return self.outputs

    def backward(self, grads):
        if self.outputs is None:
            raise RuntimeError("先调用 forward 再调用 backward")
        return grads * self.outputs * (1.0 - self.outputs)


class Dropout(Op):
    r"""Dropout：训练时生成掩码 $\boldsymbol M$（每个元素以概率 $p$ 为 0，否则为 1），输出
    $\boldsymbol X \odot \boldsymbol M / (1 - p)$，反向 $\boldsymbol\delta \odot \boldsymbol M / (1 - p)$；
    测试时（`eval()` 之后）输出就是输入，反向也原样返回梯度（测试模式的前向把 `mask` 设为 None，反向据此
    判断）。最近一次训练时的掩码保存在 `mask` 里。
    """

    def __init__(self, drop_rate):
        drop_rate = check_real(drop_rate, "drop_rate", min_val=0, max_val=1, include_boundaries="left")
        self.drop_rate = drop_rate
        self.params = None
        self.training = True
        self.mask = None

    def train(self):
        self.training = True

    def eval(self):
        self.training = False

    def forward(self, inputs):
        if not self.training:
            self.mask = None
            return inputs
        keep = 1.0 - self.drop_rate
        self.mask = (paddle.rand(inputs.shape) >= self.drop_rate).astype(inputs.dtype)
        return inputs * self.mask / keep

    def backward(self, grads):
        if self.mask is None:
            return grads
        return grads * self.mask / (1.0 - self.drop_rate)


class LayerDicts(MutableMapping):
    """几个算子的 `params`（或 `grads`，由 `attr` 指定）合成的一个字典，键是 `"层名.参数名"`（如 `"fc1.W"`；
    算子没有名字时用它在 `layers` 中的下标）。它只是视图：读写都直接落在各算子当时的字典上，所以 `grads`
    的视图在 `backward` 之前是空的。"""

    def __init__(self, layers, attr):
        self._attr = attr
        self._where = {}  # 键 -> (算子, 参数名)：每个算子的每个参数
        for i, layer in enumerate(layers):
            prefix = getattr(layer, "name", None) or str(i)
            for name in layer.params:
                self._where[f"{prefix}.{name}"] = (layer, name)

    def __getitem__(self, key):
        layer, name = self._where[key]
        return getattr(layer, self._attr)[name]

    def __setitem__(self, key, value):
        layer, name = self._where[key]
        getattr(layer, self._attr)[name] = value

    def __delitem__(self, key):
        layer, name = self._where[key]
        del getattr(layer, self._attr)[name]

    def __iter__(self):
        return (key for key, _ in self.items())

    def __len__(self):
        return sum(1 for _ in self)

    def items(self):
        return _LayerItems(self)


class _LayerItems(ItemsView):
    """`LayerDicts.items()`：内容与 `Mapping` 默认的相同，只是直接读各层的字典，不逐键查找（优化器每步都遍历一次）。"""

    def __iter__(self):
        attr = self._mapping._attr
        for key, (layer, name) in self._mapping._where.items():
            d = getattr(layer, attr)
            if name in d:
                yield key, d[name]


class MLP_3L(Op):
    """三层前馈网络 fc1 → ReLU → fc2 → ReLU → fc3，输出 logits（不经过 Logistic）。

    `layers_size` 是四个整数 `[输入维数, 第一隐层, 第二隐层, 输出维数]`，书中为 `[2, 20, 3, 1]`。
    """

    def __init__(self, layers_size):
        if not isinstance(layers_size, (list, tuple)) or len(layers_size) != 4:
            raise ValueError(f"layers_size 必须是 4 个正整数的列表，收到 {layers_size!r}")
        for size in layers_size:
            check_int(size, "layers_size 的元素", min_val=1)
        self.fc1 = LinearLayer(layers_size[0], layers_size[1], name="fc1")
        self.act_fn1 = ReLU()
        self.fc2 = LinearLayer(layers_size[1], layers_size[2], name="fc2")
        self.act_fn2 = ReLU()
        self.fc3 = LinearLayer(layers_size[2], layers_size[3], name="fc3")
        self.layers = [self.fc1, self.act_fn1, self.fc2, self.act_fn2, self.fc3]
        # 全部参数与梯度 {"fc1.W": …, "fc1.b": …, …}：三个线性层的字典的视图，优化器由此更新各层的参数
        self.params = LayerDicts([self.fc1, self.fc2, self.fc3], "params")
        self.grads = LayerDicts([self.fc1, self.fc2, self.fc3], "grads")
        self.training = True

    def train(self):
        """训练模式（只影响 Dropout 之类区分训练与测试的算子）。"""
        self.training = True
        for layer in self.layers:
            if hasattr(layer, "train"):
                layer.train()

    def eval(self):
        """测试模式。"""
        self.training = False
        for layer in self.layers:
            if hasattr(layer, "eval"):
                layer.eval()

    def forward(self, X):
        for layer in self.layers:
            X = layer(X)
        return X

    def backward(self, loss_grad_outputs):
        grads = loss_grad_outputs
        for layer in reversed(self.layers):
            grads = layer.backward(grads)
        return grads


class MLP_3L_dropout(MLP_3L):
    """`MLP_3L` 在每个 ReLU 之后加一个 `Dropout(drop_rate)`：fc1 → ReLU → Dropout → fc2 → ReLU → Dropout → fc3。"""

    def __init__(self, layers_size, drop_rate):
        super().__init__(layers_size)
        self.dropout1 = Dropout(drop_rate)
        self.dropout2 = Dropout(drop_rate)
        self.layers = [self.fc1, self.act_fn1, self.dropout1, self.fc2, self.act_fn2, self.dropout2, self.fc3]


def _weights(model):
    """`model.layers` 中全部带参数算子的权重 `W`（不含偏置）。"""
    return [layer.params["W"] for layer in model.layers if isinstance(getattr(layer, "params", None), dict)]


class BinaryCrossEntropyWithLogits(Op):
    r"""由 logits $\boldsymbol o$ 计算的二分类交叉熵，可选 ℓ2 正则化（系数 `lambd` $=\lambda$，只作用于权重）：

    $$
    \mathcal L = -\frac{1}{N}\Big(\boldsymbol y^\top \log \sigma(\boldsymbol o)
      + (1 - \boldsymbol y)^\top \log\big(1 - \sigma(\boldsymbol o)\big)\Big)
      + \frac{\lambda}{2N}\sum_{l} \|\boldsymbol W^{(l)}\|_F^2 .
    $$

    `backward()` 把 $\frac{\partial \mathcal L}{\partial \boldsymbol o} = \frac{1}{N}(\sigma(\boldsymbol o) -
    \boldsymbol y)$ 交给 `model.backward`，再给每个权重的梯度加上 $\frac{\lambda}{N}\boldsymbol W^{(l)}$。
    $\log\sigma(o) = -\operatorname{softplus}(-o)$、$\log(1-\sigma(o)) = -\operatorname{softplus}(o)$：
    公式不变，只是 $|o|$ 很大时不会出现 $\log 0$。
    """

    def __init__(self, model, lambd=0.0):
        if not hasattr(model, "backward") or not isinstance(getattr(model, "layers", None), (list, tuple)):
            raise TypeError(f"model 必须有 backward 方法和列表属性 layers，收到 {type(model).__name__}")
        self.model = model
        lambd = check_real(lambd, "lambd", min_val=0)
        self.lambd = lambd
        self.predicts = None
        self.labels = None

    def forward(self, logits, labels):
        if logits.ndim != 2 or logits.shape[1] != 1:
            raise ValueError(f"logits 的形状应为 [N, 1]，收到 {list(logits.shape)}")
        if list(labels.shape) != list(logits.shape):
            raise ValueError(f"labels 的形状应为 {list(logits.shape)}，收到 {list(labels.shape)}")
        labels = labels.astype(logits.dtype)
        self.predicts = 1.0 / (1.0 + paddle.exp(-logits))
        self.labels = labels
        N = logits.shape[0]
        log_p = -paddle.nn.functional.softplus(-logits)
        log_1_minus_p = -paddle.nn.functional.softplus(logits)
        loss = -(paddle.sum(labels * log_p) + paddle.sum((1.0 - labels) * log_1_minus_p)) / N
        if self.lambd > 0:
            loss = loss + self.lambd / (2 * N) * paddle.add_n([paddle.sum(W * W) for W in _weights(self.model)])
        return loss

    def __call__(self, logits, labels):
        return self.forward(logits, labels)

    def backward(self):
        if self.predicts is None:
            raise RuntimeError("先调用 forward 再调用 backward")
        N = self.predicts.shape[0]
        self.model.backward((self.predicts - self.labels) / N)
        if self.lambd > 0:
            for layer in self.model.layers:
                if isinstance(getattr(layer, "params", None), dict):
                    layer.grads["W"] = layer.grads["W"] + self.lambd / N * layer.params["W"]


class BatchGD(Optimizer):
    r"""（全批量）梯度下降，可选权重衰减 `weight_decay` $=\beta$：$\theta \leftarrow (1 - \beta)\theta - \alpha\boldsymbol g$。

    与 7.3 节的优化器一样只写更新公式；`model.params` 是 `MLP_3L` 各层参数的视图，所以它更新每个带参数算子的
    全部参数（与书中一样，偏置也衰减）。`check_each_step = False`：`step()` 不逐步检查参数是否有限（7.6 节
    要迭代五万次，每步检查的代价与一次更新相当）；`nndl.loops.train_iterations` 每记录一次损失时检查它是否有限。
    """

    check_each_step = False

    def __init__(self, init_lr, model, weight_decay=0.0):
        super().__init__(init_lr, model)
        weight_decay = check_real(weight_decay, "weight_decay", min_val=0, max_val=1, include_boundaries="left")
        self.weight_decay = weight_decay

    def update(self, x, g, state):
        return (1 - self.weight_decay) * x - self.init_lr * g
