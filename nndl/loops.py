"""训练循环。

- 7.3 节：在被优化函数上迭代的 `train_f`，线性拟合的小批量 `train`（及其分批 `minibatches`、`cycled_minibatches`）；
- 7.6 节：手写网络的全批量循环 `train_iterations`，书中的 `train_model`，以及测试模式下的准确率 `eval_accuracy`。
"""

import itertools
import math
import numbers
import warnings

import numpy as np
import paddle

from .metric import accuracy
from .op import NonFiniteError


def _check_count(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} 必须是正整数，收到 {value!r}")
    return int(value)


def train_f(model, optimizer, x_init, epoch):
    """从 `x_init` 出发用 `optimizer` 最小化 `model`，共 `epoch` 步。

    返回 `(all_x, losses)`：`all_x` 是每步更新前的点（形状 `[步数, 维数]` 的张量），`losses` 是这些点上的
    函数值（Python 浮点数）。`x_init` 不会被修改。若函数值或参数变为非有限值（在无下界的函数上发散），
    发出一条写明步数的警告并返回此前的轨迹。
    """
    epoch = _check_count("epoch", epoch)
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
    num_epochs = _check_count("num_epochs", num_epochs)
    batch_size = _check_count("batch_size", batch_size)
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
