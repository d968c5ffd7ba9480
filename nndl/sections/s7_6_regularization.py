"""7.6 节（网络正则化）的实验配方：在带噪声的两个半月形数据上训练手写的三层网络，比较不加正则化、ℓ2 正则化、
权重衰减与 Dropout（动手练习 7.9 再取更大的系数）。

- 书中的设置：`LAYERS_SIZE`、`LEARNING_RATE`、`LAMBD`、`WEIGHT_DECAY`、`DROP_RATE`，书中报告的准确率 `BOOK_ACCURACY`；
- `build_model`：按这些设置建立手写的模型（`nndl.op.MLP_3L`/`MLP_3L_dropout`）、损失与优化器 `BatchGD`；
- `RegularizationTrainable`、`regularization_trainable`：实验运行器（`nndl.experiment`）的可训练对象，一个单位是
  `iters_per_unit` 次全批量迭代（循环 `nndl.loops.train_iterations`）；
- `regularization_configs`、`exercise_configs`：7.6 节四组实验与动手练习 7.9 的配置（迭代次数在 `nndl.profile`）；
- `final_accuracy`、`loss_curve`：从运行结果中取出准确率与损失曲线。

数据是 `nndl.data.moons_split`，分类边界图是 `nndl.plot.show_class_boundary`，与 Paddle 的对照在 `nndl.check.layers`。
"""

import numpy as np
import paddle

from ..data import moons_split
from ..experiment import Config
from ..loops import LOG_EVERY, eval_accuracy, train_iterations
from ..op.layers import MLP_3L, BatchGD, BinaryCrossEntropyWithLogits, MLP_3L_dropout
from ..validate import check_int

BUILD = "nndl.sections.s7_6_regularization:regularization_trainable"
ITERS_PER_UNIT = 1000  # 实验运行器的一个单位：一千次迭代

LAYERS_SIZE = (2, 20, 3, 1)
LEARNING_RATE = 0.2
LAMBD = 0.7          # 7.6.3 的 ℓ2 正则化系数 λ
WEIGHT_DECAY = 0.001  # 7.6.4 的权重衰减系数 β
DROP_RATE = 0.3      # 7.6.5 代码中的丢弃率 p（正文写的是 0.5）

# 书中报告的准确率（GPU 上的随机数，我们的数据与初值不同，只能比较结论）。
BOOK_ACCURACY = {
    "none": (0.91, 0.71),
    "l2": (0.86, 0.77),
    "weight_decay": (0.845, 0.75),
    "dropout": (0.855, 0.76),
}


def build_model(lambd=0.0, weight_decay=0.0, drop_rate=0.0, lr=LEARNING_RATE, layers_size=LAYERS_SIZE):
    """按 7.6 节的设置建立模型、损失与优化器：`drop_rate > 0` 时用 `MLP_3L_dropout`，否则用 `MLP_3L`。"""
    layers_size = list(layers_size)
    model = MLP_3L_dropout(layers_size, drop_rate) if drop_rate > 0 else MLP_3L(layers_size)
    loss_fn = BinaryCrossEntropyWithLogits(model, lambd)
    optimizer = BatchGD(lr, model, weight_decay)
    return model, loss_fn, optimizer


class RegularizationTrainable:
    """实验运行器的 trainable：7.6.1 的数据上全批量训练 `MLP_3L`（或 `MLP_3L_dropout`）。

    一个单位是 `iters_per_unit` 次迭代；每个单位的记录是
    `{"losses": [[迭代编号, 损失], ...], "train_acc": …, "test_acc": …}`（准确率在单位结束时、测试模式下计算）。
    数据与初始参数都在构造时从 Paddle 的全局随机数生成（运行器事先设好种子），同一种子的各配置数据和初值相同。
    """

    def __init__(self, lambd=0.0, weight_decay=0.0, drop_rate=0.0, lr=LEARNING_RATE, layers_size=LAYERS_SIZE,
                 iters_per_unit=ITERS_PER_UNIT, log_every=LOG_EVERY):
        check_int(iters_per_unit, "iters_per_unit", min_val=1)
        check_int(log_every, "log_every", min_val=1)
        (self.X_train, self.y_train), (self.X_test, self.y_test) = moons_split()
        self.model, self.loss_fn, self.optimizer = build_model(lambd, weight_decay, drop_rate, lr, layers_size)
        self.iters_per_unit = iters_per_unit
        self.log_every = log_every
        self.unit_cost = 1.2 if drop_rate > 0 else 1.0

    def _parametrized(self):
        return [(i, layer) for i, layer in enumerate(self.model.layers)
                if isinstance(getattr(layer, "params", None), dict)]

    def train_unit(self, unit):
        losses = train_iterations(self.model, self.optimizer, self.loss_fn, self.X_train, self.y_train,
                                  self.iters_per_unit, start=unit * self.iters_per_unit, log_every=self.log_every)
        return {"losses": losses,
                "train_acc": eval_accuracy(self.model, self.X_train, self.y_train),
                "test_acc": eval_accuracy(self.model, self.X_test, self.y_test)}

    def state_dict(self):
        state = {"t": self.optimizer.t}
        for i, layer in self._parametrized():
            for key, value in layer.params.items():
                state[f"layers.{i}.{key}"] = value.numpy()
        return state

    def set_state_dict(self, state):
        self.optimizer.t = int(state["t"])
        for i, layer in self._parametrized():
            for key in layer.params:
                layer.params[key] = paddle.to_tensor(state[f"layers.{i}.{key}"])


def regularization_trainable(**params):
    """`Config.build` 用的入口（见 `BUILD`）：`RegularizationTrainable(**params)`。"""
    return RegularizationTrainable(**params)


# 7.6 节的四组实验：名字 → moons_trainable 的参数。
RUNS = {
    "none": {},
    "l2": {"lambd": LAMBD},
    "weight_decay": {"weight_decay": WEIGHT_DECAY},
    "dropout": {"drop_rate": DROP_RATE},
}
RUN_LABELS = {"none": "no regularization", "l2": f"L2 (lambda={LAMBD})",
              "weight_decay": f"weight decay (beta={WEIGHT_DECAY})", "dropout": f"dropout (p={DROP_RATE})"}

# 动手练习 7.9：每种正则化取书中的值和两个更大的值。
EXERCISE_VALUES = {
    "lambd": (LAMBD, 10.0, 100.0),
    "weight_decay": (WEIGHT_DECAY, 0.01, 0.05),
    "drop_rate": (DROP_RATE, 0.7, 0.9),
}

def _units(num_iters):
    if num_iters % ITERS_PER_UNIT:
        raise ValueError(f"num_iters 必须是 {ITERS_PER_UNIT} 的整数倍，收到 {num_iters!r}")
    return num_iters // ITERS_PER_UNIT


def regularization_configs(num_iters, seed=0):
    """7.6 节四组实验的配置（同一个种子：数据和初始参数都相同，区别只在正则化）。"""
    return [Config(name=name, build=BUILD,
                   params={**params, "iters_per_unit": ITERS_PER_UNIT}, units=_units(num_iters), seed=seed)
            for name, params in RUNS.items()]


def exercise_configs(num_iters, seed=0, values=None):
    """动手练习 7.9 的配置：`values` 把参数名（`lambd`、`weight_decay`、`drop_rate`）映射到一组取值，
    默认 `EXERCISE_VALUES`。配置名形如 `lambd=10.0`。"""
    values = EXERCISE_VALUES if values is None else values
    unknown = set(values) - set(EXERCISE_VALUES)
    if unknown:
        raise ValueError(f"values 的键只能是 {sorted(EXERCISE_VALUES)}，收到 {sorted(unknown)}")
    return [Config(name=f"{key}={value:g}", build=BUILD,
                   params={key: float(value), "iters_per_unit": ITERS_PER_UNIT}, units=_units(num_iters), seed=seed)
            for key, vals in values.items() for value in vals]


def final_accuracy(result):
    """一个 `RunResult` 最后一个单位的 `(训练集准确率, 测试集准确率)`。"""
    if not result.records:
        raise ValueError(f"配置 {result.config.name!r} 还没有完成任何单位")
    return result.records[-1]["train_acc"], result.records[-1]["test_acc"]


def loss_curve(result):
    """一个 `RunResult` 全部单位记录的损失，返回 `(迭代编号数组, 损失数组)`。"""
    points = [point for record in result.records for point in record["losses"]]
    steps, losses = zip(*points) if points else ((), ())
    return np.asarray(steps), np.asarray(losses)


def _last_units(result, key, k=5):
    return [record[key] for record in result.records[-k:]]


def claims(results, accuracy=None):
    """书中 7.6 节的结论，在一次运行的四组实验上逐条判定，返回 `[(结论, 判定, 余量), …]`。

    `results` 是 `{"none", "l2", "weight_decay", "dropout"}` → `RunResult`。判定是 True（成立）、False（不成立）
    或 None（无法判定）；余量是判定所依据的差距，单位是百分点，正数表示结论的方向。暂退法的掩码每次迭代都不同，
    它的测试集准确率在单位之间起伏，所以涉及它的比较按最后 5 个单位的平均，“暂退法不如 ℓ2 和权重衰减”在
    差距不超过这个起伏时判为无法判定。`accuracy` 可以代替 `final_accuracy` 给出四组的 `(训练, 测试)`（例如
    书中报告的 `BOOK_ACCURACY`，这时没有逐单位的记录，暂退法按最后的数字比较，也不判“无法判定”）。
    """
    acc = accuracy or {name: final_accuracy(results[name]) for name in RUNS}
    if accuracy is None:
        drop_train = float(np.mean(_last_units(results["dropout"], "train_acc")))
        drop_test = float(np.mean(_last_units(results["dropout"], "test_acc")))
        none_test = float(np.mean(_last_units(results["none"], "test_acc")))
        swing = float(np.ptp(_last_units(results["dropout"], "test_acc")))
    else:
        (drop_train, drop_test), none_test, swing = acc["dropout"], acc["none"][1], 0.0
    gap = {name: acc[name][0] - acc[name][1] for name in RUNS}
    gap["dropout"] = drop_train - drop_test
    overfit = gap["none"] - 0.10
    train_lead = acc["none"][0] - max(acc[name][0] for name in ("l2", "weight_decay", "dropout")) - 0.03
    test_lowest = min(acc["l2"][1] - acc["none"][1], acc["weight_decay"][1] - acc["none"][1], drop_test - none_test)
    narrower = gap["none"] - max(gap["l2"], gap["weight_decay"], gap["dropout"])
    # “不如 ℓ2 和权重衰减”：暂退法最后的测试集准确率低于两者中的每一个，差距按两者中较差的那个算
    behind = min(acc["l2"][1], acc["weight_decay"][1]) - acc["dropout"][1]
    behind_verdict = None if abs(behind) <= swing else behind > 0
    pp = 100
    return [
        ("不加正则化时过拟合：训练集准确率比测试集高 10 个百分点以上", overfit > 0, overfit * pp),
        ("不加正则化时的训练集准确率比三种正则化都高出 3 个百分点以上", train_lead > 0, train_lead * pp),
        ("不加正则化时测试集准确率最低", test_lowest > 0, test_lowest * pp),
        ("三种正则化都缩小了训练集与测试集准确率之差", narrower > 0, narrower * pp),
        ("暂退法不如 ℓ2 和权重衰减（最后的测试集准确率低于两者中的每一个）", behind_verdict, behind * pp),
    ]


def dropout_swing(results, k=5):
    """暂退法最后 `k` 个单位结束时测试集准确率的极差（百分点）。"""
    return float(np.ptp(_last_units(results["dropout"], "test_acc", k))) * 100
