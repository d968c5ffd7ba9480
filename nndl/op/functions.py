"""第 7.3 节的线性拟合算子 `Linear` 与两个被优化函数（二维、三维）。"""

import paddle

from ..validate import check_int
from .base import Op


class Linear(Op):
    r"""线性算子 $z = XW + b$，`backward(labels)` 求损失 $\frac{1}{2K}\sum_k (y_k - z_k)^2$ 对 $W$、$b$ 的梯度。"""

    def __init__(self, input_size, weight_init=paddle.standard_normal, bias_init=paddle.zeros):
        input_size = check_int(input_size, "input_size", min_val=1)
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
