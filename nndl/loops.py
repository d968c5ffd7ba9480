"""训练循环。

- 7.3 节：在被优化函数上迭代的 `train_f`，线性拟合的小批量 `train`（及其分批 `minibatches`、`cycled_minibatches`）；
- 7.6 节：手写网络的全批量循环 `train_iterations`，书中的 `train_model`，以及测试模式下的准确率 `eval_accuracy`；
- 自动求导的训练约定（`autograd_step`、`should_evaluate`、`autograd_epoch`、`autograd_evaluate`）：书中的 `RunnerV3`
  与实验运行器的 `LayerTrainable` 共用这一份。
"""

import itertools
import math
import warnings

import numpy as np
import paddle

from .metric import accuracy
from .op import NonFiniteError
from .validate import check_int


def train_f(model, optimizer, x_init, epoch):
    """从 `x_init` 出发用 `optimizer` 最小化 `model`，共 `epoch` 步。

    返回 `(all_x, losses)`：`all_x` 是每步更新前的点（形状 `[步数, 维数]` 的张量），`losses` 是这些点上的
    函数值（Python 浮点数）。`x_init` 不会被修改。若函数值或参数变为非有限值（在无下界的函数上发散），
    发出一条写明步数的警告并返回此前的轨迹。
    """
    epoch = check_int(epoch, "epoch", min_val=1)
    if optimizer.model is not model:
        raise ValueError("optimizer 必须是为这个 model 创建的")
    x = x_init
    all_x, losses = [], []
    for _ in range(epoch):
        loss = model(x).item()
        if not np.isfinite(loss):
            warnings.warn(f"第 {optimizer.t + 1} 步前函数值已为 {loss}，训练已在此停止", RuntimeWarning, stacklevel=2)
            break
        all_x.append(x.numpy().copy())
        losses.append(loss)
        model.backward()
        try:
            optimizer.step()
        except NonFiniteError as err:
            warnings.warn(str(err), RuntimeWarning, stacklevel=2)
            break
        x = model.params["x"]
    return paddle.to_tensor(np.array(all_x)), losses


def minibatches(X, y, batch_size):
    """按顺序（不打乱）切出一个回合的小批量 `(x_batch, y_batch)`；最后一批可能不足 `batch_size`。"""
    for start in range(0, X.shape[0], batch_size):
        yield X[start:start + batch_size], y[start:start + batch_size]


def cycled_minibatches(X, y, batch_size, steps):
    """`steps` 次迭代依次用到的小批量：与 `train` 的顺序相同，一个回合走完再从头开始。"""
    epochs = (minibatches(X, y, batch_size) for _ in itertools.count())
    return itertools.islice(itertools.chain.from_iterable(epochs), steps)


def train(data, num_epochs, batch_size, model, calculate_loss, optimizer, verbose=False):
    """线性拟合的小批量训练（不打乱数据）。`data` 是 `(X, y)`，`X` 形状 `[N, D]`，`y` 形状 `[N, 1]`。

    返回 `(iter_loss, epoch_loss)`：每次迭代的损失与每个回合的平均损失（Python 浮点数）。
    """
    X, y = data
    if X.ndim != 2 or list(y.shape) != [X.shape[0], 1]:
        raise ValueError(f"data 应为形状 [N, D] 与 [N, 1] 的 (X, y)，收到 {list(X.shape)} 与 {list(y.shape)}")
    num_epochs = check_int(num_epochs, "num_epochs", min_val=1)
    batch_size = check_int(batch_size, "batch_size", min_val=1)
    iter_loss, epoch_loss = [], []
    for epoch in range(num_epochs):
        batch_loss = []
        for x_batch, y_batch in minibatches(X, y, batch_size):
            y_pred = model(x_batch)
            batch_loss.append(calculate_loss(y_pred, y_batch).item())
            model.backward(y_batch)
            optimizer.step()
        iter_loss.extend(batch_loss)
        epoch_loss.append(float(np.mean(batch_loss)))
        if verbose:
            print(f"epoch: {epoch}, loss: {epoch_loss[-1]:.6f}")
    return iter_loss, epoch_loss


LOG_EVERY = 100  # 7.6 节：每 100 次迭代记录一次损失


def eval_accuracy(model, X, y):
    """测试模式下（Dropout 不丢弃）由 logits 算出的准确率（Python 浮点数，阈值 0 即 $\\sigma(o) \\ge 0.5$）；
    之后模型回到训练模式。"""
    model.eval()
    try:
        return accuracy(model(X), y, threshold=0.0).item()
    finally:
        model.train()


def train_iterations(model, optimizer, loss_fn, X, y, num_iters, start=0, log_every=LOG_EVERY):
    """全批量训练 `num_iters` 次：前向、损失、反向、更新。迭代编号从 `start + 1` 开始，
    每 `log_every` 次记录一次 `[迭代编号, 损失]`；记录的损失不是有限值时抛出 `FloatingPointError`。"""
    losses = []
    model.train()
    for i in range(start + 1, start + num_iters + 1):
        loss = loss_fn(model(X), y)
        loss_fn.backward()
        optimizer.step()
        if i % log_every == 0:
            value = loss.item()
            if not math.isfinite(value):
                raise FloatingPointError(f"第 {i} 次迭代的损失不是有限值（{value}）")
            losses.append([i, value])
    return losses


def train_model(X_train, y_train, X_test, y_test, model, optimizer, loss_fn, num_iters, log_every=LOG_EVERY,
                verbose=True):
    """书中的训练函数：全批量梯度下降 `num_iters` 次，每 `log_every` 次迭代记录一次损失，
    最后打印并返回训练集与测试集的准确率。返回 `(losses, train_acc, test_acc)`。"""
    losses = train_iterations(model, optimizer, loss_fn, X_train, y_train, num_iters, log_every=log_every)
    train_acc, test_acc = eval_accuracy(model, X_train, y_train), eval_accuracy(model, X_test, y_test)
    if verbose:
        print(f"train accuracy: {train_acc:.4f}, test accuracy: {test_acc:.4f}")
    return losses, train_acc, test_acc


# --- 自动求导的训练约定 ------------------------------------------------------------------------------------------
# `RunnerV3`（nndl/runner.py，书中的接口）与实验运行器的 `LayerTrainable`（nndl/experiment/trainables.py）
# 都用下面这四个函数训练与评价：一步怎么走、一个回合怎么走、哪一步评价、评价算什么，只在这里写一次。
# tests/unit/test_contract.py 检验两者在同样的模型与批上给出逐位相同的每步损失、回合损失与验证分数、验证损失。


def autograd_step(model, optimizer, loss_fn, X, y, before_update=None):
    """一个训练步：前向、损失、反向、`optimizer.step()`、`optimizer.clear_grad()`，返回损失值（Python 浮点数）。

    `before_update(loss_value)` 在反向之后、更新之前调用（此时梯度还在；`RunnerV3` 在这里记录损失、打印日志、
    调用 `custom_print_log`）。损失取 `.item()`，不把带计算图的张量留到下一步。
    """
    loss = loss_fn(model(X), y)
    value = loss.item()
    loss.backward()
    if before_update is not None:
        before_update(value)
    optimizer.step()
    optimizer.clear_grad()
    return value


def should_evaluate(global_step, eval_steps, num_training_steps):
    """评价规则：`eval_steps > 0` 时，全局步数（从 0 计）大于 0 且是 `eval_steps` 的倍数、或是最后一步
    （`num_training_steps - 1`）时，在这一步更新之后评价；`eval_steps=0` 不评价。"""
    return bool(eval_steps) and global_step > 0 and (global_step % eval_steps == 0
                                                     or global_step == num_training_steps - 1)


def autograd_epoch(model, optimizer, loss_fn, batches, global_step, num_training_steps, eval_steps=0,
                   on_evaluate=None, before_update=None, after_step=None):
    """训练一个回合：对 `batches` 的每一批走一步 `autograd_step`，按 `should_evaluate` 调用 `on_evaluate`。

    - `global_step`：本回合第一步的全局步数；`num_training_steps`：全部回合的总步数（决定哪一步是最后一步）；
    - `before_update(global_step, loss_value)`：每步反向之后、更新之前调用；
    - `on_evaluate(global_step)`：评价规则成立的那一步更新之后调用，之后模型回到训练模式；
    - `after_step(global_step)`：每步（包括评价）结束时调用（学习率调度、进度）。

    返回 `(step_losses, epoch_loss)`：`[(global_step, loss), ...]` 与本回合各步损失的平均。
    """
    if eval_steps and on_evaluate is None:
        raise ValueError("eval_steps > 0 时必须提供 on_evaluate")
    model.train()
    step_losses, total = [], 0.0
    for X, y in batches:
        hook = None if before_update is None else (lambda value, step=global_step: before_update(step, value))
        value = autograd_step(model, optimizer, loss_fn, X, y, hook)
        total += value
        step_losses.append((global_step, value))
        if should_evaluate(global_step, eval_steps, num_training_steps):
            on_evaluate(global_step)
            model.train()
        if after_step is not None:
            after_step(global_step)
        global_step += 1
    if not step_losses:
        raise ValueError("训练数据一批也没有")
    return step_losses, total / len(step_losses)


def autograd_evaluate(model, loss_fn, metric, batches):
    """在 `batches` 上评价，返回 `(score, loss)`：模型切到评价模式（不再切回）、不记录梯度；`metric` 先 `reset()`，
    每批 `update(logits, y)`，最后 `accumulate()` 得到 `score`；`loss` 是各批损失的平均。"""
    if metric is None:
        raise ValueError("评价需要 metric")
    model.eval()
    metric.reset()
    total, count = 0.0, 0
    with paddle.no_grad():
        for X, y in batches:
            logits = model(X)
            total += loss_fn(logits, y).item()
            metric.update(logits, y)
            count += 1
    if count == 0:
        raise ValueError("验证数据一批也没有")
    return metric.accumulate(), total / count
