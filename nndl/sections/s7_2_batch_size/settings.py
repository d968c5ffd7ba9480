"""第 7.2 节实验的设置：书中的五组（批大小, 学习率）与对输入的检查（两种规模在 `nndl.profile.SIZES["7.2"]`）。"""

from ...validate import check_int, check_real

# 书中的五组配置：批大小与学习率成正比。
BATCH_SIZES = (16, 32, 64, 128, 256)
LEARNING_RATES = (0.01, 0.02, 0.04, 0.08, 0.16)

# 动手练习 7.2 的两种设置（基准是上面的（64, 0.04））：设置名 → （批大小, 学习率）。
EXERCISE_SETTINGS = {"设置 1：批大小加倍": (128, 0.04), "设置 2：学习率减半": (64, 0.02)}

SEED = 0
MNIST_TRAIN_SIZE = 60000


def check_settings(batch_sizes, learning_rates, num_samples, num_epochs, workers):
    """检查一次扫描的输入，出错时点名参数；返回规范化的 `(batch_sizes, learning_rates)`（int 与 float 的列表）。"""
    batch_sizes, learning_rates = list(batch_sizes), list(learning_rates)
    if len(batch_sizes) != len(learning_rates):
        raise ValueError(f"batch_sizes 有 {len(batch_sizes)} 个、learning_rates 有 {len(learning_rates)} 个，"
                         "两者必须一一对应")
    if not batch_sizes:
        raise ValueError("至少需要一组（批大小, 学习率）配置")
    batch_sizes = [check_int(b, "batch_sizes 的每一项", min_val=1) for b in batch_sizes]
    learning_rates = [check_real(lr, "learning_rates 的每一项", min_val=0, include_boundaries="neither")
                      for lr in learning_rates]
    check_int(num_samples, "num_samples", min_val=1, max_val=MNIST_TRAIN_SIZE)
    check_int(num_epochs, "num_epochs", min_val=1)
    if workers is not None:
        check_int(workers, "workers", min_val=1)
    return batch_sizes, learning_rates
