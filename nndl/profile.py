"""`NNDL_PROFILE`：选择重实验的规模，以及本章全部 quick/full 规模的唯一登记表 `SIZES`。

- `quick`（默认，CI 与网站用）：书中的配置不变（模型、批大小、学习率、优化器与超参数），只减少样本数、回合数
  或迭代次数；
- `full`：与书中完全相同的实验。

每个重实验的规模只写在 `SIZES` 里，各节的实验配置（`nndl.sections`）用 `sizes(节, profile)` 读取；网站简介页的
“两种规模”表格也由它生成（`_ext/profiles.py`）。没有出现在表里的 notebook 计算量很小，两种规模运行同一个实验。
"""

import os
from typing import NamedTuple

from . import __version__
from .validate import check_choice

PROFILES = ("quick", "full")
DEFAULT = "quick"


class Size(NamedTuple):
    """一个被缩小的量：它是什么（中文说明），quick 与 full 下的取值。"""

    meaning: str
    quick: int
    full: int


# 节 → {参数名: Size}。参数名就是该节实验配置函数的参数名。
SIZES = {
    # 7.2 节批大小实验与动手练习 7.1、7.2：五组（批大小, 学习率）不变。
    "7.2": {
        "num_samples": Size("训练图像数", 5000, 60000),
        "num_epochs": Size("回合数", 5, 30),
    },
    # 动手练习 7.5、7.6：Paddle 优化器在 MNIST 上训练 LeNet。
    "7.3 练习": {
        "num_train": Size("训练图像数", 2000, 60000),
        "num_test": Size("评价用的测试图像数", 1000, 10000),
        "num_epochs": Size("回合数", 2, 5),
        "eval_steps": Size("每隔多少步评价一次", 16, 300),
    },
    # 7.4.2.3 节与动手练习 7.7：Moon 数据上的五层网络；quick 让整页在双核 CPU 上 45 秒内跑完。
    "7.4": {
        "num_epochs": Size("回合数", 60, 100),
    },
    # 7.5.1.5 节与动手练习 7.8：MNIST 卷积网络有无逐层规范化。
    "7.5": {
        "num_train": Size("训练图像数", 4800, 60000),
        "num_test": Size("评价用的测试图像数", 500, 10000),
        "num_epochs": Size("回合数", 1, 5),
        "eval_steps": Size("每隔多少步评价一次", 15, 300),
    },
    # 7.6 节四组实验与动手练习 7.9。quick 的四组实验各一万次：未正则化的模型此时已经明显过拟合（训练集准确率
    # 比测试集高十几个百分点），之后的四万次迭代准确率变化很小；练习中的欠拟合在几千次迭代内就已定型。
    "7.6": {
        "num_iters": Size("四组实验的迭代次数", 10_000, 50_000),
        "exercise_num_iters": Size("动手练习 7.9 的迭代次数", 3_000, 50_000),
    },
}


# 网站上“两种规模”表格里每一节的名字。
SECTION_TITLES = {
    "7.2": "7.2 批大小（及动手练习 7.1、7.2）",
    "7.3 练习": "动手练习 7.5、7.6（MNIST）",
    "7.4": "7.4.2.3（及动手练习 7.7）",
    "7.5": "7.5.1.5（及动手练习 7.8）",
    "7.6": "7.6（及动手练习 7.9）",
}


def check_profile(name):
    return check_choice(name, "profile", PROFILES)


def current_profile():
    """读取环境变量 `NNDL_PROFILE`（未设置时为 `quick`）。"""
    return check_profile(os.environ.get("NNDL_PROFILE", DEFAULT).strip() or DEFAULT)


def sizes(section, profile=None):
    """第 `section` 节（`SIZES` 的键）在 `profile` 下的规模 `{参数名: 取值}`；`profile` 默认读取 `NNDL_PROFILE`。"""
    profile = current_profile() if profile is None else check_profile(profile)
    return {name: getattr(size, profile) for name, size in check_choice(section, "section", SIZES).items()}


def announce(profile=None):
    """打印 nndl 的版本、本次运行使用的 profile 以及如何切换。"""
    profile = profile or current_profile()
    other = "full" if profile == "quick" else "quick"
    meaning = "书中配置、缩小的样本数与回合数" if profile == "quick" else "与书中完全相同的实验"
    print(f"nndl {__version__}，NNDL_PROFILE={profile}（{meaning}）。切换：设置环境变量 NNDL_PROFILE={other} 后重启内核重新运行，"
          f"或在仓库根目录运行 make book PROFILE={other}。")
    return profile
