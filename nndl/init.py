r"""参数初始化（7.4 节与动手练习 7.7）：方差缩放的几个公式。

第 $l$ 层有 $M_{l-1}$ 个输入、$M_l$ 个输出（`nn.Linear(input_size, output_size)` 的权重形状为
`[input_size, output_size]`）。

- Xavier 初始化（Tanh、Logistic 等在 0 附近近似线性的激活函数）：权重方差取
  $\frac{2}{M_{l-1} + M_l}$，即高斯分布 $\mathcal{N}\big(0, \frac{2}{M_{l-1}+M_l}\big)$，或均匀分布
  $\mathcal{U}[-r, r]$，$r = \sqrt{\frac{6}{M_{l-1}+M_l}}$（$\mathcal{U}[-r, r]$ 的方差是 $r^2/3$）。
- He（Kaiming）初始化（ReLU）：权重方差取 $\frac{2}{M_{l-1}}$，即 $\mathcal{N}\big(0, \frac{2}{M_{l-1}}\big)$，
  或 $\mathcal{U}[-r, r]$，$r = \sqrt{\frac{6}{M_{l-1}}}$。

`paddle.normal` 和 `paddle.nn.initializer.Normal` 的参数是**标准差**，所以高斯分布的几个函数返回标准差
（方差的平方根），均匀分布的函数返回区间的半径 $r$。
"""

import math

from .validate import check_int

__all__ = ["xavier_normal_std", "xavier_uniform_r", "kaiming_normal_std", "kaiming_uniform_r"]


def xavier_normal_std(input_size, output_size):
    r"""Xavier 高斯分布初始化的标准差 $\sqrt{\frac{2}{M_{l-1} + M_l}}$。"""
    input_size = check_int(input_size, "input_size", min_val=1)
    output_size = check_int(output_size, "output_size", min_val=1)
    fan_sum = input_size + output_size
    return math.sqrt(2.0 / fan_sum)


def xavier_uniform_r(input_size, output_size):
    r"""Xavier 均匀分布初始化 $\mathcal{U}[-r, r]$ 的半径 $r = \sqrt{\frac{6}{M_{l-1} + M_l}}$。"""
    input_size = check_int(input_size, "input_size", min_val=1)
    output_size = check_int(output_size, "output_size", min_val=1)
    fan_sum = input_size + output_size
    return math.sqrt(6.0 / fan_sum)


def kaiming_normal_std(input_size, output_size=None):
    r"""He（Kaiming）高斯分布初始化的标准差 $\sqrt{\frac{2}{M_{l-1}}}$（ReLU 网络，动手练习 7.7）。

    只与输入个数有关；接受并忽略 `output_size`，这样它可以和 Xavier 的函数一样作为 `MLP` 的 `init_fn`。
    """
    input_size = check_int(input_size, "input_size", min_val=1)
    if output_size is not None:
        check_int(output_size, "output_size", min_val=1)
    return math.sqrt(2.0 / input_size)


def kaiming_uniform_r(input_size, output_size=None):
    r"""He（Kaiming）均匀分布初始化 $\mathcal{U}[-r, r]$ 的半径 $r = \sqrt{\frac{6}{M_{l-1}}}$（忽略 `output_size`）。"""
    input_size = check_int(input_size, "input_size", min_val=1)
    if output_size is not None:
        check_int(output_size, "output_size", min_val=1)
    return math.sqrt(6.0 / input_size)
