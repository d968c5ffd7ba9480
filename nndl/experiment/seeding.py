"""随机数：构建前用配置的种子，第 u 个单位前用 `unit_seed(seed, u)`，与哪个进程在训练无关。"""

import random

import numpy as np
import paddle

from ..validate import check_int


def unit_seed(seed, unit):
    """第 `unit` 个单位的种子：由 (seed, unit) 经 NumPy 的 SeedSequence 派生（跨平台、跨 NumPy 版本稳定）。"""
    seed = check_int(seed, "seed", min_val=0)
    unit = check_int(unit, "unit", min_val=0)
    return int(np.random.SeedSequence([seed, unit]).generate_state(1, dtype=np.uint32)[0])


def seed_all(seed):
    """同时设置 paddle、numpy 与 random 的全局种子。"""
    paddle.seed(seed)
    np.random.seed(seed)
    random.seed(seed)


class saved_rng_state:
    """with 块结束后恢复 paddle/numpy/random 的全局随机状态（在本进程中运行时不打乱调用者的随机数）。"""

    def __enter__(self):
        self.states = (paddle.get_rng_state(), np.random.get_state(), random.getstate())
        return self

    def __exit__(self, *exc):
        paddle_state, numpy_state, random_state = self.states
        paddle.set_rng_state(paddle_state)
        np.random.set_state(numpy_state)
        random.setstate(random_state)
        return False
