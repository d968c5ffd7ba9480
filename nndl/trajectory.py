"""优化轨迹（7.3 节）：“k 步后”的唯一含义，以及走到阈值以内用了几步、离某一点多近、是否进入了某个盆地。

- `Trajectory`：一次 `train_f` 运行的完整轨迹，第 k 行是**做了 k 次更新之后**的点与函数值（第 0 行是起点）。
  `train_f`（书中的写法）只记录每次更新**之前**的点，走 k 步时它的最后一项是 k−1 次更新之后的值；页面上说
  “k 步后”时一律用 `Trajectory.after(k)`（或 `final`），不用 `train_f` 的最后一项；
- `first_index`：序列第一次不超过阈值的下标（即此前已做的更新次数）；
- `distances`、`polyline_distance`：轨迹上每个点、以及整条折线到某一点的距离；
- `Basin`：下水平集 $\\{f < c\\}$ 中包含某一点的那一块（7.3.4 中 $(0,0)$ 的盆地），判断轨迹上的点是否在其中。
"""

import math
from dataclasses import dataclass

import numpy as np

from .plot3d import surface_grid
from .validate import check_int


@dataclass(frozen=True)
class Trajectory:
    """做了 0、1、…、`updates` 次更新之后的点（`points`，形状 `[updates + 1, 维数]`）与函数值（`losses`）。

    由 `from_run` 从 `train_f` 的输出与模型最后所在的点得到。`stopped` 为 True 时运行没有走完要求的步数
    （函数值或参数不再是有限数，`train_f` 发出过警告并提前停止）：轨迹只到最后一次成功的更新。"""

    points: np.ndarray
    losses: np.ndarray
    stopped: bool = False

    @classmethod
    def from_run(cls, model, all_x, losses, steps):
        """`all_x, losses = train_f(model, optimizer, x_init, steps)` 之后调用：补上最后一次更新之后的点
        （`model.params["x"]`）及其函数值。

        `train_f` 提前停止时（记录的点少于 `steps` 个），或最后一次更新没有完成（参数变为非有限值时优化器
        保持更新前的值，模型仍停在最后记录的点上），不补这个点，`stopped` 为 True。"""
        steps = check_int(steps, "steps", min_val=1)
        points = np.asarray(all_x.numpy() if hasattr(all_x, "numpy") else all_x, dtype=np.float64)
        values = [float(v) for v in losses]
        if len(values) != len(points) or not 0 < len(values) <= steps:
            raise ValueError(f"all_x 与 losses 应是 train_f 走 steps={steps} 步的输出，收到 {len(points)} 个点、"
                             f"{len(values)} 个函数值")
        end = np.asarray(model.params["x"].numpy(), dtype=np.float64)
        if len(values) < steps or not np.isfinite(end).all() or np.array_equal(end, points[-1]):
            return cls(points, np.array(values), stopped=True)
        end_loss = float(model(model.params["x"]).item())
        if not math.isfinite(end_loss):
            return cls(points, np.array(values), stopped=True)
        return cls(np.vstack([points, end[None]]), np.array(values + [end_loss]))

    @property
    def updates(self):
        """轨迹包含的更新次数。"""
        return len(self.points) - 1

    def after(self, k):
        """做了 `k` 次更新之后的 `(点, 函数值)`。"""
        k = check_int(k, "k", min_val=0, max_val=self.updates)
        return self.points[k], float(self.losses[k])

    @property
    def final(self):
        """最后一次更新之后的 `(点, 函数值)`，即 `after(updates)`。"""
        return self.after(self.updates)


def first_index(values, threshold):
    """`values` 中第一个不超过 `threshold` 的下标（没有则为 None）。轨迹与损失的第 k 项是 k 次更新后的值。"""
    for k, v in enumerate(values):
        if v <= threshold:
            return k
    return None


class Basin:
    r"""下水平集 $\{f < c\}$ 中包含 `center` 的连通块，在 `lim` 上 `num × num` 的网格上求出（4-连通的洪水填充）。

    7.3.4 用它表示局部极小点 $(0,0)$ 的盆地（$c$ 取鞍点的函数值 $\tfrac1{16}$）：每步都让 $f$ 下降的方法进入
    盆地后不会再离开。`radius` 是盆地里离 `center` 最远的网格点的距离；`contains(points)` 判断每个点（取最近的
    网格点）是否在盆地里，区域外与非有限的点都不在。网格步长（默认 0.01）就是判断的精度。
    """

    def __init__(self, model, level, center=(0.0, 0.0), lim=(-3.0, 3.0), num=601):
        self.level, self.center, self.lim, self.num = level, np.asarray(center, dtype=np.float64), lim, num
        X0, X1, Z = surface_grid(model, lim, num)
        below = Z < level
        step = (lim[1] - lim[0]) / (num - 1)
        i, j = (int(round((center[k] - lim[0]) / step)) for k in (1, 0))
        if not below[i, j]:
            raise ValueError(f"center {tuple(center)} 处的函数值不小于 level={level}")
        mask = np.zeros_like(below)
        mask[i, j] = True
        while True:
            grown = mask.copy()
            grown[1:, :] |= mask[:-1, :]
            grown[:-1, :] |= mask[1:, :]
            grown[:, 1:] |= mask[:, :-1]
            grown[:, :-1] |= mask[:, 1:]
            grown &= below
            if (grown == mask).all():
                break
            mask = grown
        self.mask, self.step = mask, step
        self.radius = float(np.hypot(X0[mask] - center[0], X1[mask] - center[1]).max())

    def contains(self, points):
        """`points`（形状 `[n, 2]`）中每个点是否在盆地里（布尔数组）。"""
        points = np.asarray(points, dtype=np.float64)
        inside = np.zeros(len(points), dtype=bool)
        ok = np.isfinite(points).all(axis=1)
        ok &= ((points >= self.lim[0]) & (points <= self.lim[1])).all(axis=1)
        idx = np.rint((points[ok] - self.lim[0]) / self.step).astype(int)
        inside[ok] = self.mask[idx[:, 1], idx[:, 0]]
        return inside


def polyline_distance(points, center=(0.0, 0.0)):
    """折线 `points`（相邻两点之间的线段也算）到 `center` 的最近距离；非有限的点及其后的部分不计。"""
    points = np.asarray(points, dtype=np.float64)
    finite = np.isfinite(points).all(axis=1)
    if not finite.all():
        points = points[:np.argmin(finite)]
    if len(points) < 2:
        return float(np.linalg.norm(points - center, axis=1).min())
    p, q = points[:-1] - center, points[1:] - center
    d = q - p
    t = np.clip(-np.einsum("ij,ij->i", p, d) / np.maximum(np.einsum("ij,ij->i", d, d), 1e-300), 0.0, 1.0)
    nearest = p + t[:, None] * d
    return float(min(np.linalg.norm(points - center, axis=1).min(), np.linalg.norm(nearest, axis=1).min()))


def distances(points, center=(0.0, 0.0)):
    """轨迹上每个点到 `center` 的欧氏距离。"""
    return np.linalg.norm(np.asarray(points, dtype=np.float64) - np.asarray(center), axis=1)
