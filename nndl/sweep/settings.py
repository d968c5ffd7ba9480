"""第 7.2 节实验的设置：书中的五组（批大小, 学习率）、quick/full 两个 profile，以及对输入的检查。"""

import numpy as np

from ..profile import check_profile, current_profile

# 书中的五组配置：批大小与学习率成正比。
BATCH_SIZES = (16, 32, 64, 128, 256)
LEARNING_RATES = (0.01, 0.02, 0.04, 0.08, 0.16)

# quick：书中的五组配置，只用前 5000 张训练图像训练 5 个回合；full：与书中完全相同（60000 张，30 个回合）。
PROFILES = {
    "quick": {"num_samples": 5000, "num_epochs": 5},
    "full": {"num_samples": 60000, "num_epochs": 30},
}
SEED = 0
MNIST_TRAIN_SIZE = 60000


def profile_settings(profile=None):
    """返回 profile 对应的 `{'num_samples': ..., 'num_epochs': ...}`（默认读取 `NNDL_PROFILE`）。"""
    profile = check_profile(profile) if profile is not None else current_profile()
    return dict(PROFILES[profile])


def check_settings(batch_sizes, learning_rates, num_samples, num_epochs, workers):
    """检查一次扫描的输入，出错时点名参数；返回规范化的 `(batch_sizes, learning_rates)`（int 与 float 的列表）。"""
    batch_sizes, learning_rates = list(batch_sizes), list(learning_rates)
    if len(batch_sizes) != len(learning_rates):
        raise ValueError(f"batch_sizes 有 {len(batch_sizes)} 个、learning_rates 有 {len(learning_rates)} 个，"
                         "两者必须一一对应")
    if not batch_sizes:
        raise ValueError("至少需要一组（批大小, 学习率）配置")
    for b in batch_sizes:
        if isinstance(b, bool) or not isinstance(b, (int, np.integer)) or b < 1:
            raise ValueError(f"批大小必须是正整数，收到 {b!r}")
    for lr in learning_rates:
        if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating)) or not lr > 0:
            raise ValueError(f"学习率必须是正数，收到 {lr!r}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or not 1 <= num_samples <= MNIST_TRAIN_SIZE:
        raise ValueError(f"num_samples 必须是 1 到 {MNIST_TRAIN_SIZE} 之间的整数，收到 {num_samples!r}")
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, int) or num_epochs < 1:
        raise ValueError(f"num_epochs 必须是正整数，收到 {num_epochs!r}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers 必须是不小于 1 的整数，收到 {workers!r}")
    return [int(b) for b in batch_sizes], [float(lr) for lr in learning_rates]
