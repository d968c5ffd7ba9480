"""用 Paddle 检验手写的批量规范化与层规范化（7.5 节）：`nndl.op.BatchNorm` 对 `paddle.nn.BatchNorm1D/2D`，
`nndl.op.LayerNorm` 对 `paddle.nn.LayerNorm`，比较输出、梯度与滑动平均。"""

import warnings

import numpy as np
import paddle

from ..op.norm import BatchNorm, LayerNorm


def compare_batchnorm_with_paddle(input_shape, num_batches=5, momentum=0.9, eps=1e-7, gamma=1.5, beta=-0.5, seed=0):
    """让 `nndl.op.BatchNorm` 与 `paddle.nn.BatchNorm1D`（二维输入）或 `BatchNorm2D`（四维输入）并排处理
    `num_batches` 个训练批次（形状 `input_shape`，均值约 3、标准差约 2），再处理一个测试批次。

    两边用同样的 momentum、ε 和 γ、β 初值。返回各项的最大绝对偏差：训练输出 `train_output`、对输入与 γ、β
    的梯度 `grad`、最后的滑动均值与方差 `moving_mean`、`moving_variance`、测试输出 `test_output`。
    """
    paddle.seed(seed)
    num_features = input_shape[1]
    ours = BatchNorm(num_features, eps=eps, momentum=momentum, gamma=gamma, beta=beta)
    reference_class = paddle.nn.BatchNorm1D if len(input_shape) == 2 else paddle.nn.BatchNorm2D
    reference = reference_class(num_features, momentum=momentum, epsilon=eps)
    reference.weight.set_value(paddle.full([num_features], gamma))
    reference.bias.set_value(paddle.full([num_features], beta))
    reference.train()
    deviation = {"train_output": 0.0, "grad": 0.0}

    def largest(a, b):
        return float(np.abs(a.numpy() - b.numpy()).max())

    def relative(a, b):  # 梯度是许多项之和，按参照值的量级（至少 1）比较
        return largest(a, b) / max(1.0, float(np.abs(b.numpy()).max()))

    for _ in range(num_batches):
        X = 3 + 2 * paddle.randn(input_shape)
        weights = paddle.randn(input_shape)  # 损失 sum(y * weights)：让每个输出的梯度都不同
        X1, X2 = X.clone(), X.clone()
        X1.stop_gradient = X2.stop_gradient = False
        with warnings.catch_warnings():  # Paddle 提示训练模式总是记录滑动平均：正是这里要比较的
            warnings.filterwarnings("ignore", message="When training, we now always track")
            y1, y2 = ours(X1, train_mode=True), reference(X2)
        deviation["train_output"] = max(deviation["train_output"], largest(y1, y2))
        (y1 * weights).sum().backward()
        (y2 * weights).sum().backward()
        deviation["grad"] = max(deviation["grad"], relative(X1.grad, X2.grad),
                                relative(ours.gamma.grad, reference.weight.grad),
                                relative(ours.beta.grad, reference.bias.grad))
        for p in (ours.gamma, ours.beta, reference.weight, reference.bias):
            p.clear_gradient()
    deviation["moving_mean"] = largest(ours.moving_mean, reference._mean)
    deviation["moving_variance"] = largest(ours.moving_variance, reference._variance)
    reference.eval()
    X = 3 + 2 * paddle.randn(input_shape)
    with paddle.no_grad():
        deviation["test_output"] = largest(ours(X, train_mode=False), reference(X))
    return deviation


def compare_layernorm_with_paddle(input_shape, eps=1e-7, gamma=1.5, beta=-0.5, seed=0):
    """`nndl.op.LayerNorm` 与 `paddle.nn.LayerNorm` 在形状 `input_shape` 的输入上比较：二维、三维输入在最后一维上，
    四维输入在 (C, H, W) 上规范化。返回输出与梯度（对输入、γ、β）的最大绝对偏差 `{"output", "grad"}`。

    本项目的 `LayerNorm` 整层只有一个 γ、一个 β，Paddle 的每个被规范化的元素各一个，所以 Paddle 一侧的 γ、β
    全设为同一个数，γ、β 的梯度比较 Paddle 各元素梯度之和。梯度的偏差与 `compare_batchnorm_with_paddle` 一样是
    相对偏差（除以 Paddle 一侧梯度的最大绝对值，至少为 1）。
    """
    paddle.seed(seed)
    normalized_shape = list(input_shape[-1:]) if len(input_shape) in (2, 3) else list(input_shape[1:])
    ours = LayerNorm(eps=eps, gamma=gamma, beta=beta)
    reference = paddle.nn.LayerNorm(normalized_shape, epsilon=eps)
    reference.weight.set_value(paddle.full(reference.weight.shape, gamma))
    reference.bias.set_value(paddle.full(reference.bias.shape, beta))
    X = 3 + 2 * paddle.randn(input_shape)
    weights = paddle.randn(input_shape)
    X1, X2 = X.clone(), X.clone()
    X1.stop_gradient = X2.stop_gradient = False
    y1, y2 = ours(X1), reference(X2)
    (y1 * weights).sum().backward()
    (y2 * weights).sum().backward()
    grads = []
    for a, b in ((X1.grad, X2.grad), (ours.gamma.grad, reference.weight.grad.sum()),
                 (ours.beta.grad, reference.bias.grad.sum())):
        a, b = a.numpy(), b.numpy()
        grads.append(np.abs(a - b).max() / max(1.0, np.abs(b).max()))
    return {"output": float(np.abs(y1.numpy() - y2.numpy()).max()), "grad": float(max(grads))}
