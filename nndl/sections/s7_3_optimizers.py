"""7.3.2 与 7.3.3 两页共用的配方：与 7.3.1.2 节相同的拟合数据和比较基准，以及打印结果的几个小函数。

两页的实验本身（学习率、步数、优化器）就是页面上书中的代码；这里只放两页原本各抄一遍的部分。
"""

import numpy as np
import paddle

from ..data import make_fitting_data
from ..loops import train
from ..op import Linear, SimpleBatchGD
from ..trajectory import Trajectory

CHECK_STEPS = 480  # 与 Paddle 对照的步数：与简单拟合实验 30 个回合的迭代次数相同


def fitting_setup():
    """7.3.1.2 节的数据（`make_fitting_data(seed=0)`）、均方误差损失，以及比较的基准：7.3.1 节学习率 0.01 的
    梯度下降训练 30 个回合的每回合损失。返回 `(data, mse, sgd_epoch_loss)`。"""
    data = make_fitting_data(seed=0)
    mse = paddle.nn.MSELoss()
    paddle.seed(0)
    sgd_model = Linear(2)
    sgd_epoch_loss = train(data, 30, 64, sgd_model, mse, SimpleBatchGD(init_lr=0.01, model=sgd_model))[1]
    return data, mse, sgd_epoch_loss


def report_trajectory(model, all_x, losses, steps):
    """`train_f` 走 `steps` 步之后调用：打印 2D 实验的终点（最后一次更新之后的点）和该点的函数值，返回
    `Trajectory`（第 k 行是 k 次更新之后的点与函数值）。"""
    trajectory = Trajectory.from_run(model, all_x, losses, steps)
    x_final, f_final = trajectory.final
    print(f"共 {trajectory.updates} 步，终点 x = [{x_final[0]:.6f}, {x_final[1]:.6f}]，f(x) = {f_final:.6f}")
    return trajectory


def report_fit(model, epoch_loss):
    """打印拟合实验最后一个回合的损失和学到的参数，只到在任何 CPU 上都不变的位数（矩阵乘法的舍入随指令集而变）。"""
    print(f"第 {len(epoch_loss)} 个回合的损失 {epoch_loss[-1]:.2e}")
    print("学到的 W =", np.array2string(model.params["W"].numpy().ravel(), precision=3),
          " b =", np.array2string(model.params["b"].numpy(), precision=3))


def step_sizes(trajectory):
    """`trajectory`（`Trajectory`）每一步在两个坐标上移动的距离 |Δx1|、|Δx2|：第 k 行是第 k+1 次更新。"""
    return np.abs(np.diff(trajectory.points, axis=0))
