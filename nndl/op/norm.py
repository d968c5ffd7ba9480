r"""7.5 节的逐层规范化：批量规范化 `BatchNorm` 与层规范化 `LayerNorm`。

两者都先把净输入 $\boldsymbol z$ 规范化为均值 0、方差 1，再缩放平移：

$$
\hat{\boldsymbol z} = \frac{\boldsymbol z - \boldsymbol\mu}{\sqrt{\boldsymbol\sigma^2 + \epsilon}} \odot \boldsymbol\gamma + \boldsymbol\beta .
$$

批量规范化的 $\boldsymbol\mu$、$\boldsymbol\sigma^2$ 是**一个神经元在一个批次上**的均值与（有偏）方差；层规范化的
是**一个样本在一层全部神经元上**的均值与方差。

与书中写法的不同（见“与原书的差异”一页）：

- ε 真的加在方差上。书中写 `paddle.sqrt(var, self.eps)`，而 `paddle.sqrt` 的第二个参数是 `name`，ε 从未加上，
  某个特征在批次（或样本）内为常数时得到 0/0 = NaN；
- 滑动平均在 `paddle.no_grad()` 下更新，保存为不带计算图的缓冲区（`register_buffer`，进入 `state_dict`）。书中
  用带计算图的张量更新滑动平均，每一步的图都接在上一步的图后面，越接越长；
- γ、β 是可学习的参数（`create_parameter`），初值为构造时给出的数：`BatchNorm` 每个特征一个，`LayerNorm` 整层
  一个（书中 `LayerNorm` 不知道特征的个数；Paddle 的 `paddle.nn.LayerNorm` 每个被规范化的元素一个）。
"""

import paddle
import paddle.nn as nn

from ..validate import check_int, check_real

__all__ = ["BatchNorm", "LayerNorm"]


def _scalar_parameter(value, shape):
    """形状为 `shape`、每个元素初值为 `value` 的可学习参数。"""
    return paddle.create_parameter(shape, "float32", default_initializer=nn.initializer.Constant(value))


class BatchNorm(nn.Layer):
    r"""批量规范化：每个特征（二维输入 `[N, D]`）或每个通道（四维输入 `[N, C, H, W]`，在 N、H、W 上）
    用本批次的均值与有偏方差规范化，再乘 γ、加 β。

    训练模式（`train_mode=True`）下同时更新滑动平均
    $\mu_{\text{moving}} \leftarrow m\,\mu_{\text{moving}} + (1-m)\,\mu_{\mathcal B}$（方差同理，初值为 0 与 1，
    $m$ 即 `momentum`）；测试模式用滑动平均规范化。
    """

    def __init__(self, num_features, eps=1e-7, momentum=0.9, gamma=1.0, beta=0.0):
        super().__init__()
        num_features = check_int(num_features, "num_features", min_val=1)
        momentum = check_real(momentum, "momentum", min_val=0, max_val=1, include_boundaries="left")
        eps = check_real(eps, "eps", min_val=0)
        gamma = check_real(gamma, "gamma")
        beta = check_real(beta, "beta")
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.gamma = _scalar_parameter(gamma, [self.num_features])
        self.beta = _scalar_parameter(beta, [self.num_features])
        self.register_buffer("moving_mean", paddle.zeros([self.num_features]))
        self.register_buffer("moving_variance", paddle.ones([self.num_features]))

    def forward(self, X, train_mode=True):
        if X.ndim not in (2, 4):
            raise ValueError(f"X 必须是二维 [N, D] 或四维 [N, C, H, W] 张量，收到形状 {list(X.shape)}")
        if X.shape[1] != self.num_features:
            raise ValueError(f"X 的第 1 维（特征数）应为 num_features={self.num_features}，收到形状 {list(X.shape)}")
        # 统计量沿哪些轴求，以及一个特征的统计量怎样广播回 X 的形状
        axes, shape = ([0], [1, -1]) if X.ndim == 2 else ([0, 2, 3], [1, -1, 1, 1])
        if train_mode:
            mean = paddle.mean(X, axis=axes, keepdim=True)
            var = paddle.mean((X - mean) ** 2, axis=axes, keepdim=True)
            with paddle.no_grad():  # 滑动平均只是记录，不参与求导，也不能把计算图留到下一步
                m = self.momentum
                self.moving_mean.set_value(m * self.moving_mean + (1 - m) * mean.detach().reshape([-1]))
                self.moving_variance.set_value(m * self.moving_variance + (1 - m) * var.detach().reshape([-1]))
        else:
            mean = self.moving_mean.reshape(shape)
            var = self.moving_variance.reshape(shape)
        X_hat = (X - mean) / paddle.sqrt(var + self.eps)
        return self.gamma.reshape(shape) * X_hat + self.beta.reshape(shape)


class LayerNorm(nn.Layer):
    r"""层规范化：每个样本单独规范化。二维 `[N, D]`、三维 `[N, L, D]` 输入在最后一维上，四维 `[N, C, H, W]`
    输入在 C、H、W 上求均值与有偏方差；没有滑动平均，训练与测试的计算相同。"""

    def __init__(self, eps=1e-7, gamma=1.0, beta=0.0):
        super().__init__()
        eps = check_real(eps, "eps", min_val=0)
        gamma = check_real(gamma, "gamma")
        beta = check_real(beta, "beta")
        self.eps = eps
        self.gamma = _scalar_parameter(gamma, [1])
        self.beta = _scalar_parameter(beta, [1])

    def forward(self, X):
        if X.ndim not in (2, 3, 4):
            raise ValueError(f"X 必须是二维、三维或四维张量，收到形状 {list(X.shape)}")
        axes = [-1] if X.ndim in (2, 3) else [1, 2, 3]
        mean = paddle.mean(X, axis=axes, keepdim=True)
        var = paddle.mean((X - mean) ** 2, axis=axes, keepdim=True)
        std = paddle.sqrt(var + self.eps)
        return self.gamma * (X - mean) / std + self.beta
