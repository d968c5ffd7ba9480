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
- AdaDelta（动手练习 7.4）：Paddle 的两个 ε 也都在根号内，$\\Delta X^2$ 累积乘学习率之前的更新量，完全相同。
- Nesterov：Paddle 为 $v_t = \\rho v_{t-1} + g_t$、$\\theta_t = \\theta_{t-1} - \\alpha(g_t + \\rho v_t)$，学习率不变时
  $\\Delta\\theta_t = -\\alpha v_t$，完全相同。
- AdamW（动手练习 7.5）：Paddle 先把参数乘以 $1 - \\alpha\\lambda$（衰减作用在更新前的参数上、乘学习率），
  再做 Adam 的一步；ε 的差别与 Adam 相同。

学习率调度（动手练习 7.3）：`paddle_scheduler` 给出与 `nndl.lr` 中调度对应的 `paddle.optimizer.lr` 调度器。
SGD、AdaGrad、RMSprop、Adam、AdaDelta、AdamW 的学习率乘在整个更新量上，两边逐步相同；动量法与 Nesterov
不同：书中的 $\\Delta\\theta_t = \\rho\\Delta\\theta_{t-1} - \\alpha_t g_t$ 只把新的 $\\alpha_t$ 乘在新梯度上，
Paddle 的 $\\alpha_t v_t$ 把它乘在整个累积的速度上，学习率变化时两者不再相同（测试里有这一对照）。
"""

import warnings

import numpy as np
import paddle

from . import lr as nndl_lr
from .op import (AdaDelta, Adagrad, Adam, AdamW, BatchNorm, LayerNorm, Linear, Momentum, Nesterov, RMSprop,
                 SimpleBatchGD)
from .loops import cycled_minibatches


def paddle_scheduler(schedule):
    """返回与 `schedule`（`nndl.lr` 中的调度）对应的 `paddle.optimizer.lr` 调度器：新建时 `last_epoch` 为 0，
    每次更新后调用一次 `step()`，它的第 t 个值就是 `schedule(t)`。"""
    P = paddle.optimizer.lr
    if isinstance(schedule, nndl_lr.PiecewiseDecay):
        return P.PiecewiseDecay(boundaries=list(schedule.boundaries), values=list(schedule.values_))
    if isinstance(schedule, nndl_lr.InverseTimeDecay):
        return P.InverseTimeDecay(learning_rate=schedule.init_lr, gamma=schedule.gamma)
    if isinstance(schedule, nndl_lr.ExponentialDecay):
        return P.ExponentialDecay(learning_rate=schedule.init_lr, gamma=schedule.gamma)
    if isinstance(schedule, nndl_lr.NaturalExpDecay):
        return P.NaturalExpDecay(learning_rate=schedule.init_lr, gamma=schedule.gamma)
    if isinstance(schedule, nndl_lr.CosineAnnealingDecay):
        return P.CosineAnnealingDecay(learning_rate=schedule.init_lr, T_max=schedule.T_max, eta_min=schedule.eta_min)
    if isinstance(schedule, nndl_lr.LinearWarmup):
        inner = schedule.learning_rate
        inner = paddle_scheduler(inner) if isinstance(inner, nndl_lr.LRSchedule) else inner
        return P.LinearWarmup(learning_rate=inner, warmup_steps=schedule.warmup_steps, start_lr=schedule.start_lr,
                              end_lr=schedule.end_lr)
    if isinstance(schedule, nndl_lr.CyclicLR):
        return P.CyclicLR(base_learning_rate=schedule.base_lr, max_learning_rate=schedule.max_lr,
                          step_size_up=schedule.step_size_up, step_size_down=schedule.step_size_down,
                          mode=schedule.mode, exp_gamma=schedule.exp_gamma)
    raise TypeError(f"没有与 {type(schedule).__name__} 对应的 Paddle 学习率调度器")


def paddle_counterpart(optimizer, parameters):
    """返回与 `optimizer`（手写）做同样更新的 `paddle.optimizer` 实例，作用于 `parameters`。

    `optimizer` 用学习率调度时，Paddle 一侧用 `paddle_scheduler` 给出的调度器，调用者在每次 `step()` 后
    调用一次它的 `step()`（`compare_with_paddle` 会这样做）。"""
    lr = optimizer.init_lr if optimizer.lr_schedule is None else paddle_scheduler(optimizer.lr_schedule)
    if isinstance(optimizer, SimpleBatchGD):
        return paddle.optimizer.SGD(learning_rate=lr, parameters=parameters)
    if isinstance(optimizer, Adagrad):
        return paddle.optimizer.Adagrad(learning_rate=lr, parameters=parameters, epsilon=0.0,
                                        initial_accumulator_value=optimizer.epsilon)
    if isinstance(optimizer, RMSprop):
        return paddle.optimizer.RMSProp(learning_rate=lr, parameters=parameters, rho=optimizer.beta,
                                        epsilon=optimizer.epsilon, momentum=0.0, centered=False)
    # 子类在前：Nesterov 是 Momentum 的子类，AdamW 是 Adam 的子类
    if isinstance(optimizer, Nesterov):
        return paddle.optimizer.Momentum(learning_rate=lr, parameters=parameters, momentum=optimizer.rho,
                                         use_nesterov=True)
    if isinstance(optimizer, Momentum):
        return paddle.optimizer.Momentum(learning_rate=lr, parameters=parameters, momentum=optimizer.rho)
    if isinstance(optimizer, AdamW):
        return paddle.optimizer.AdamW(learning_rate=lr, parameters=parameters, beta1=optimizer.beta1,
                                      beta2=optimizer.beta2, epsilon=optimizer.epsilon,
                                      weight_decay=optimizer.weight_decay)
    if isinstance(optimizer, AdaDelta):
        return paddle.optimizer.Adadelta(learning_rate=lr, parameters=parameters, rho=optimizer.beta,
                                         epsilon=optimizer.epsilon)
    if isinstance(optimizer, Adam):
        return paddle.optimizer.Adam(learning_rate=lr, parameters=parameters, beta1=optimizer.beta1,
                                     beta2=optimizer.beta2, epsilon=optimizer.epsilon)
    raise TypeError(f"没有与 {type(optimizer).__name__} 对应的 Paddle 优化器")


def compare_with_paddle(make_optimizer, X, y, steps=50, batch_size=64, seed=0, resync=False):
    """在线性拟合问题 `(X, y)` 上让手写优化器与 Paddle 的对应优化器各走 `steps` 步。

    小批量的顺序与 `nndl.train` 相同（不打乱，一个回合走完再从头开始），所以第 k 步与训练的第 k 次迭代一致。

    `make_optimizer(model)` 为手写的 `Linear` 模型创建优化器。Paddle 一侧用同样的初值，损失取
    $\\frac{1}{2K}\\sum(y-z)^2$，梯度由自动微分得到。返回长度为 `steps` 的数组：每步更新后
    两边参数（W 与 b）的最大绝对偏差。

    `resync=True` 时，每步比较之后把 Paddle 一侧的参数设为手写一侧的值：每一步都从同一个点出发，返回的是
    “一步更新”的偏差，舍入误差不会被之后的迭代放大（在最优点附近来回跳动的训练过程会把 float32 的舍入误差
    逐步放大，见 7.3.2 节的 RMSprop）。两边的状态（累积量、动量）仍各自由自己的梯度更新。
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
        if isinstance(reference._learning_rate, paddle.optimizer.lr.LRScheduler):
            reference._learning_rate.step()
        deviations.append(max(float(np.abs(model.params["W"].numpy() - W.numpy()).max()),
                              float(np.abs(model.params["b"].numpy() - b.numpy()).max())))
        if resync:
            W.set_value(model.params["W"])
            b.set_value(model.params["b"])
    return np.array(deviations)


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
