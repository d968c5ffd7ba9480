"""7.3 节的二维图：被优化函数的等高线与参数更新轨迹（书中的 `plot_2d`/`train_and_plot_f`），
以及简单拟合实验的损失曲线（书中的 `plot_loss`/`train_and_plot`）；7.6 节的分类边界 `show_class_boundary`。

每个函数都新建并返回一个 `matplotlib.figure.Figure`（不经过 `pyplot`，因此不会在单元格结束时被重复显示，
也不会积累打开的图）；在 notebook 里把返回的 Figure 放在单元格最后一行或 `display(fig)` 即可显示。
图中的文字用英文和数学符号：构建网站的机器上不一定有中文字体，中文会显示成方框。
"""

import numpy as np
import paddle
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from .op import OptimizedFunction, OptimizedFunction3D
from .loops import train, train_f
from .validate import check_int, check_pair

# 书中的配色
CONTOUR_COLORS = ["#e4007f", "#f19ec2", "#e86096", "#eb7aaa", "#f6c8dc", "#f5f5f5", "#000000"]
LINE_COLORS = ["#000000", "#e4007f", "#9c9d9f", "#e86096", "#1f77b4", "#2ca02c", "#ff7f0e"]
# 书中在 [-5, 5) 上取步长 0.1 的网格，显示 [-2, 5] 的部分；这里把网格取到 5（含），右边缘不留空白
GRID = np.linspace(-5, 5, 101)
XLIM = (-2, 5)
YLIM = (-2, 5)


def function_values(model, x1, x2):
    """被优化函数在网格 `(x1, x2)` 上的值（numpy 数组）。用模型自己的 `value`，不改动 `model.params`。"""
    if not isinstance(model, (OptimizedFunction, OptimizedFunction3D)):
        raise TypeError(f"不知道如何在网格上计算 {type(model).__name__}，只支持 OptimizedFunction 与 OptimizedFunction3D")
    if isinstance(model, OptimizedFunction) and model.w.shape != [2]:
        raise ValueError(f"只能画二维函数，w 的形状为 {list(model.w.shape)}")
    grid = paddle.to_tensor(np.stack([np.asarray(x1), np.asarray(x2)]), dtype="float32")
    return model.value(grid).numpy().astype(np.float64)


def _as_trajectory(x):
    """把 `train_f` 返回的轨迹（张量或数组，形状 [步数, 2]）转成 float64 数组并检查。"""
    if isinstance(x, paddle.Tensor):
        x = x.numpy()
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2 or x.shape[0] < 1:
        raise ValueError(f"轨迹的形状应为 [步数, 2]（步数 ≥ 1），收到 {list(x.shape)}")
    if not np.isfinite(x).all():
        raise ValueError("轨迹中有非有限值（inf 或 NaN）")
    return x


def plot_2d(model, trajectories, labels=None, title=None, xlim=XLIM, ylim=YLIM, arrows=True, figsize=(10, 6)):
    """画被优化函数的填色等高线，并在上面画一条或几条参数更新轨迹。

    `trajectories` 是 `train_f` 返回的轨迹（形状 `[步数, 2]`），或几条轨迹的列表（同时给 `labels`）。
    每条轨迹用折线加圆点画出每步更新前的点，`arrows=True` 时用箭头标出每步的方向；起点用方块、
    最优点 (0, 0) 用星号标出。返回 Figure。
    """
    if isinstance(trajectories, (list, tuple)):
        if not trajectories:
            raise ValueError("至少需要一条轨迹")
        paths = [_as_trajectory(x) for x in trajectories]
    else:
        paths = [_as_trajectory(trajectories)]
    if labels is not None:
        labels = [labels] if isinstance(labels, str) else list(labels)
        if len(labels) != len(paths):
            raise ValueError(f"labels 有 {len(labels)} 个，轨迹有 {len(paths)} 条")
    xlim = check_pair(xlim, "xlim")
    ylim = check_pair(ylim, "ylim")

    x1, x2 = np.meshgrid(GRID, GRID)
    z = function_values(model, x1, x2)
    fig = Figure(figsize=figsize)
    ax = fig.subplots()
    cp = ax.contourf(x1, x2, z, colors=CONTOUR_COLORS)
    ax.contour(x1, x2, z, colors="black", linewidths=0.8)
    fig.colorbar(cp, ax=ax)
    for i, path in enumerate(paths):
        color = LINE_COLORS[i % len(LINE_COLORS)]
        label = labels[i] if labels is not None else None
        ax.plot(path[:, 0], path[:, 1], "-o", color=color, markersize=4, label=label)
        ax.plot(path[0, 0], path[0, 1], "s", color=color, markersize=8)
        if arrows and len(path) > 1:
            d = np.diff(path, axis=0)
            ax.quiver(path[:-1, 0], path[:-1, 1], d[:, 0], d[:, 1], angles="xy", scale_units="xy", scale=1,
                      color=color, width=0.004, headwidth=4, headlength=5)
    ax.plot(0, 0, "*", markersize=18, color="#fefefe", markeredgecolor="black")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    if labels is not None:
        ax.legend(loc="upper left")
    if title:
        ax.set_title(title)
    return fig


def train_and_plot_f(model, optimizer, epoch, x_init=(3.0, 4.0), title=None):
    """书中的 `train_and_plot_f`：从 `x_init`（书中为 [3, 4]）出发用 `train_f` 走 `epoch` 步，再画出轨迹。

    返回 `(all_x, losses, fig)`：`train_f` 的轨迹与函数值，和 `plot_2d` 画出的 Figure。
    """
    if not isinstance(x_init, paddle.Tensor):
        x_init = paddle.to_tensor(list(x_init), dtype="float32")
    all_x, losses = train_f(model, optimizer, x_init, epoch)
    return all_x, losses, plot_2d(model, all_x, title=title)


def _as_curve(name, values):
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"{name} 应为非空的一维序列，收到形状 {list(values.shape)}")
    return values


def plot_loss(iter_loss, epoch_loss, title=None, figsize=(10, 4), logy=False):
    """书中的 `plot_loss`：左图每次迭代的损失，右图每个回合的平均损失。`logy=True` 时纵轴取对数。返回 Figure。"""
    iter_loss = _as_curve("iter_loss", iter_loss)
    epoch_loss = _as_curve("epoch_loss", epoch_loss)
    fig = Figure(figsize=figsize)
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(iter_loss, color="#e4007f")
    ax1.set_title("iteration loss")
    ax1.set_xlabel("iteration")
    ax2.plot(np.arange(1, len(epoch_loss) + 1), epoch_loss, color="#f19ec2", marker="o", markersize=3)
    ax2.set_title("epoch loss")
    ax2.set_xlabel("epoch")
    for ax in (ax1, ax2):
        ax.set_ylabel("loss")
        if logy:
            ax.set_yscale("log")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def train_and_plot(data, model, optimizer, calculate_loss, num_epochs=30, batch_size=64, title=None, logy=False):
    """书中的 `train_and_plot`：用 `train` 训练（书中 30 个回合、批大小 64、不打乱），再画损失曲线。

    `data` 是 `(X, y)`。返回 `(iter_loss, epoch_loss, fig)`。
    """
    iter_loss, epoch_loss = train(data, num_epochs, batch_size, model, calculate_loss, optimizer)
    return iter_loss, epoch_loss, plot_loss(iter_loss, epoch_loss, title=title, logy=logy)


def plot_curves(curves, title=None, xlabel="iteration", ylabel="loss", logy=False, figsize=(8, 5), styles=None,
                x_start=0):
    """把几条曲线画在一张图上（例如几个优化器的损失）。`curves` 是 {标签: 一维序列}。返回 Figure。

    每条曲线的第 i 个值画在横坐标 `x_start + i` 处（例如 k 步滑动平均的第一个值对应第 k 步，传 `x_start=k`）。

    `styles` 是 {标签: matplotlib 线条参数}（如 `{"color": "#1f77b4", "linestyle": "--"}`），覆盖该曲线的默认样式：
    几幅图里同一个优化器用同一种颜色，互相重合的曲线用线型或线宽区分。
    """
    if not isinstance(curves, dict) or not curves:
        raise ValueError("curves 应为非空的 {标签: 一维序列} 字典")
    styles = dict(styles or {})
    unknown = set(styles) - set(curves)
    if unknown:
        raise ValueError(f"styles 里的 {sorted(unknown)} 不是 curves 的标签")
    fig = Figure(figsize=figsize)
    ax = fig.subplots()
    x_start = check_int(x_start, "x_start")
    for i, (label, values) in enumerate(curves.items()):
        style = {"color": LINE_COLORS[i % len(LINE_COLORS)], **styles.get(label, {})}
        values = _as_curve(f"curves[{label!r}]", values)
        ax.plot(np.arange(x_start, x_start + len(values)), values, label=str(label), **style)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------------------------
# 7.6 节：二分类模型在平面上的分类边界


def class_grid(x1_range=(-2.0, 3.0), x2_range=(-3.0, 3.0), resolution=200):
    """`resolution × resolution` 的网格：返回 `x1`、`x2`（一维坐标）与全部网格点 `[resolution², 2]`。"""
    x1 = np.linspace(*x1_range, resolution, dtype="float32")
    x2 = np.linspace(*x2_range, resolution, dtype="float32")
    grid = np.stack(np.meshgrid(x1, x2), axis=-1).reshape(-1, 2)
    return x1, x2, grid


def predict_grid(model, x1_range=(-2.0, 3.0), x2_range=(-3.0, 3.0), resolution=200):
    """模型（测试模式）在网格上预测的类别，形状 `[resolution, resolution]`（行对应 x2，列对应 x1）。"""
    x1, x2, grid = class_grid(x1_range, x2_range, resolution)
    model.eval()
    try:
        logits = model(paddle.to_tensor(grid))
    finally:
        model.train()
    return x1, x2, (logits.numpy().reshape(resolution, resolution) >= 0).astype(int)


def class_regions(classes):
    """`classes`（`predict_grid` 的第三个返回值）中预测类别相同、4-连通的区域个数。

    两类各自连成一片时是 2；分类边界围着个别训练样本圈出的“小岛”每个多算一块。"""
    classes = np.asarray(classes)
    if classes.ndim != 2 or classes.size == 0:
        raise ValueError(f"classes 应为非空的二维网格，收到形状 {list(classes.shape)}")
    seen = np.zeros(classes.shape, dtype=bool)
    rows, cols = classes.shape
    regions = 0
    for start in zip(*np.nonzero(~seen)):
        if seen[start]:
            continue
        regions += 1
        seen[start] = True
        stack = [start]
        while stack:
            i, j = stack.pop()
            for a, b in ((i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1)):
                if 0 <= a < rows and 0 <= b < cols and not seen[a, b] and classes[a, b] == classes[i, j]:
                    seen[a, b] = True
                    stack.append((a, b))
    return regions


def show_class_boundary(model, X_train, y_train, ax=None, title=None,
                        x1_range=(-2.0, 3.0), x2_range=(-3.0, 3.0), resolution=200):
    """书中的 `show_class_boundary`：在 $x_1 \\in [-2, 3]$、$x_2 \\in [-3, 3]$ 的 200×200 网格上按预测类别填色
    （画成一张图像，而不是四万个散点），再画出训练样本。返回所用的 `Axes`（`ax` 为 None 时画在一张新 Figure 上，
    用 `ax.figure` 显示）。"""
    if ax is None:
        ax = Figure(figsize=(5, 4.5)).subplots()
    x1, x2, classes = predict_grid(model, x1_range, x2_range, resolution)
    ax.imshow(classes, origin="lower", extent=(x1[0], x1[-1], x2[0], x2[-1]), aspect="auto",
              cmap=ListedColormap(["#f2c5c5", "#c5d5f2"]), vmin=0, vmax=1, interpolation="nearest")
    X, y = np.asarray(X_train), np.asarray(y_train).reshape(-1)
    for label, color, marker in ((0, "#c0392b", "o"), (1, "#1f4e9c", "^")):
        points = X[y == label]
        ax.scatter(points[:, 0], points[:, 1], s=14, c=color, marker=marker, edgecolors="white", linewidths=0.4,
                   label=f"class {label}")
    ax.set_xlim(x1_range)
    ax.set_ylim(x2_range)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return ax
