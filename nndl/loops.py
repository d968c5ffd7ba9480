"""训练循环：7.3 节在被优化函数上迭代的 `train_f` 与线性拟合的小批量 `train`。"""

import itertools
import warnings

import numpy as np
import paddle

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
