"""用 Paddle 自带的优化器和自动微分检验手写实现。

`paddle_counterpart` 给出与手写优化器做同样更新的 `paddle.optimizer`，`compare_with_paddle` 在线性拟合
问题上让两者并排走若干步，返回每步参数的最大偏差。

书中公式与 Paddle 的差别（都在 ε 的位置上）：

- AdaGrad：书中 $\\theta \\leftarrow \\theta - \\frac{\\alpha}{\\sqrt{G_t+\\epsilon}} g_t$，Paddle 为
  $\\frac{\\alpha}{\\sqrt{G_t}+\\epsilon}$。书中 $G_t$ 从 0 开始累加，所以 $G_t+\\epsilon$ 正是把 Paddle 的累加器初值
  设为 ε：`Adagrad(epsilon=0, initial_accumulator_value=ε)` 与书中公式完全相同。
- RMSprop：Paddle 也把 ε 放在根号内（`momentum=0`、`centered=False` 时），完全相同。
- 动量法：书中 $\\Delta\\theta_t = \\rho\\Delta\\theta_{t-1} - \\alpha g_t$，Paddle 为 $v_t = \\rho v_{t-1} + g_t$、
  $\\theta_t = \\theta_{t-1} - \\alpha v_t$；学习率不变时 $\\Delta\\theta_t = -\\alpha v_t$，完全相同。
- Adam：书中 $\\frac{\\alpha}{\\sqrt{\\hat G_t+\\epsilon}}\\hat M_t$，Paddle 为 $\\frac{\\alpha}{\\sqrt{\\hat G_t}+\\epsilon}\\hat M_t$，
  只有 ε = 0 时二者相同；ε > 0 时对应的 Paddle 优化器用同一个 ε，偏差随 $\\hat G_t$ 变小而变大。
"""

import numpy as np
import paddle

from .op import Adagrad, Adam, Linear, Momentum, RMSprop, SimpleBatchGD
from .training import cycled_minibatches


def paddle_counterpart(optimizer, parameters):
    """返回与 `optimizer`（手写）做同样更新的 `paddle.optimizer` 实例，作用于 `parameters`。"""
    lr = optimizer.init_lr
    if isinstance(optimizer, SimpleBatchGD):
        return paddle.optimizer.SGD(learning_rate=lr, parameters=parameters)
    if isinstance(optimizer, Adagrad):
        return paddle.optimizer.Adagrad(learning_rate=lr, parameters=parameters, epsilon=0.0,
                                        initial_accumulator_value=optimizer.epsilon)
    if isinstance(optimizer, RMSprop):
        return paddle.optimizer.RMSProp(learning_rate=lr, parameters=parameters, rho=optimizer.beta,
                                        epsilon=optimizer.epsilon, momentum=0.0, centered=False)
    if isinstance(optimizer, Momentum):
        return paddle.optimizer.Momentum(learning_rate=lr, parameters=parameters, momentum=optimizer.rho)
    if isinstance(optimizer, Adam):
        return paddle.optimizer.Adam(learning_rate=lr, parameters=parameters, beta1=optimizer.beta1,
                                     beta2=optimizer.beta2, epsilon=optimizer.epsilon)
    raise TypeError(f"没有与 {type(optimizer).__name__} 对应的 Paddle 优化器")


def compare_with_paddle(make_optimizer, X, y, steps=50, batch_size=64, seed=0):
    """在线性拟合问题 `(X, y)` 上让手写优化器与 Paddle 的对应优化器各走 `steps` 步。

    小批量的顺序与 `nndl.train` 相同（不打乱，一个回合走完再从头开始），所以第 k 步与训练的第 k 次迭代一致。

    `make_optimizer(model)` 为手写的 `Linear` 模型创建优化器。Paddle 一侧用同样的初值，损失取
    $\\frac{1}{2K}\\sum(y-z)^2$，梯度由自动微分得到。返回长度为 `steps` 的数组：每步更新后
    两边参数（W 与 b）的最大绝对偏差。
    """
    paddle.seed(seed)
    model = Linear(X.shape[1])
    optimizer = make_optimizer(model)
    W = paddle.create_parameter(model.params["W"].shape, "float32",
                                default_initializer=paddle.nn.initializer.Assign(model.params["W"]))
    b = paddle.create_parameter(model.params["b"].shape, "float32",
                                default_initializer=paddle.nn.initializer.Assign(model.params["b"]))
    reference = paddle_counterpart(optimizer, [W, b])
    deviations = []
    for x_batch, y_batch in cycled_minibatches(X, y, batch_size, steps):
        model(x_batch)
        model.backward(y_batch)
        optimizer.step()
        loss = 0.5 * paddle.mean(paddle.square(paddle.matmul(x_batch, W) + b - y_batch))
        loss.backward()
        reference.step()
        reference.clear_grad()
        deviations.append(max(float(np.abs(model.params["W"].numpy() - W.numpy()).max()),
                              float(np.abs(model.params["b"].numpy() - b.numpy()).max())))
    return np.array(deviations)
