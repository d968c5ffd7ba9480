"""第 7.2 节批大小实验的快速版本：几组（批大小, 学习率）配置经实验运行器 `nndl.experiment` 并行训练。

书中的做法是逐个配置训练：`paddle.vision.datasets.MNIST` 逐样本调用 `transform`，`paddle.io.DataLoader`
组批，一个配置跑完再跑下一个。这里优化器、损失函数和 `RunnerV3` 都与书中相同，改了三件事：

1. 数据：每个工作进程把 MNIST 一次读成一个规范化好的张量（`nndl.data.mnist_tensors`），按批切片
   （`TensorBatches`），训练循环里没有逐样本的 Python 变换；
2. 模型：`lenet()` 仍是书中的 `paddle.vision.models.LeNet`，只把卷积偏置的广播加法换成先 `expand` 再相加
   （Paddle 3.3.1 的 CPU 广播加法占了 LeNet 训练时间的三分之一，见 `nndl.models`）；
3. 调度：每个配置是运行器的一个 `Config`，一个单位是一个回合（`LeNetTrainable` 每个回合调用一次 `train_epochs`）。
   运行器每个核启动一个单线程工作进程，配置按回合在进程之间接力；SGD 除参数以外没有状态，训练不打乱数据，
   也不再用随机数，所以分段训练与一口气训练的每个损失值逐位相同（测试里有检查）。

各部分：`settings`（五组配置、profile、输入检查）、`training`（训练一个配置）、`parallel`（`sweep()` 与
`SweepResult`）、`outputs`（画图、写文件）、`cli`（命令行
`python -m nndl.sweep --profile quick|full --workers N --out DIR [--fresh]`，可中断、可接着训练）。
"""

from ...experiment.pool import default_workers
from .outputs import plot_epoch_losses, write_outputs
from .parallel import SweepError, SweepResult, sweep, sweep_configs, sweep_result
from .report import (VERDICT, Claim, claims_table, compare_with_stored, epoch_losses, iteration_claims, iteration_table,
                     loss_table, mean_step_loss, orderings, plot_iterations, plot_setups, plot_sweep, settings_claims,
                     setups, setups_table, stored_sweep, sweep_claims, sweep_summary)
from .settings import BATCH_SIZES, EXERCISE_SETTINGS, LEARNING_RATES, MNIST_TRAIN_SIZE, SEED
from .training import (KILL_HOOK_ENV, LeNetTrainable, TensorBatches, lenet, run_configuration,
                       train_epochs)

__all__ = ["sweep", "sweep_configs", "sweep_result", "SweepResult", "SweepError", "BATCH_SIZES", "LEARNING_RATES",
           "EXERCISE_SETTINGS", "SEED",
           "MNIST_TRAIN_SIZE", "lenet", "TensorBatches", "train_epochs", "run_configuration",
           "LeNetTrainable", "plot_epoch_losses", "write_outputs", "default_workers", "KILL_HOOK_ENV",
           "Claim", "VERDICT", "claims_table", "compare_with_stored", "epoch_losses", "iteration_claims", "loss_table",
           "mean_step_loss", "orderings", "plot_sweep", "settings_claims", "stored_sweep", "sweep_claims", "sweep_summary",
           "iteration_table", "plot_iterations", "plot_setups", "setups", "setups_table"]
