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
from ..profile import sizes
from ..show import Claim
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


def page_configs(profile=None, seed=0):
    """页面交给运行器的全部配置：7.6 节的四组实验，加上动手练习 7.9 的九个（迭代次数取自 `nndl.profile`）。"""
    settings = sizes("7.6", profile)
    return (regularization_configs(settings["num_iters"], seed)
            + exercise_configs(settings["exercise_num_iters"], seed))


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
    """书中 7.6 节的结论，在一次运行的四组实验上逐条判定，返回 `nndl.show.Claim` 的列表。

    `results` 是 `{"none", "l2", "weight_decay", "dropout"}` → `RunResult`。判定是 True（成立）、False（不成立）
    或 None（无法判定）；余量是判定所依据的差距（百分点，正数表示结论的方向）。暂退法的掩码每次迭代都不同，
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
        Claim("不加正则化时过拟合：训练集准确率比测试集高 10 个百分点以上", overfit > 0, f"{overfit * pp:+.1f} 个百分点"),
        Claim("不加正则化时的训练集准确率比三种正则化都高出 3 个百分点以上", train_lead > 0, f"{train_lead * pp:+.1f} 个百分点"),
        Claim("不加正则化时测试集准确率最低", test_lowest > 0, f"{test_lowest * pp:+.1f} 个百分点"),
        Claim("三种正则化都缩小了训练集与测试集准确率之差", narrower > 0, f"{narrower * pp:+.1f} 个百分点"),
        Claim("暂退法不如 ℓ2 和权重衰减（最后的测试集准确率低于两者中的每一个）", behind_verdict,
              f"{behind * pp:+.1f} 个百分点" + (f"，暂退法自己起伏 {swing * pp:.1f} 个百分点" if accuracy is None else "")),
    ]


def dropout_swing(results, k=5):
    """暂退法最后 `k` 个单位结束时测试集准确率的极差（百分点）。"""
    return float(np.ptp(_last_units(results["dropout"], "test_acc", k))) * 100


# ---------------------------------------------------------------------------------------------------------------
# 7.6 节与动手练习 7.9 的表、图与结论：参数是 run() 的结果（配置名 → RunResult），quick 的运行与书中规模的保存
# 结果用同一组函数（保存结果带着每个网络训练好的参数，分类边界照样能画）。

RUN_NAMES = {"none": "不加正则化", "l2": f"ℓ2 正则化（λ = {LAMBD}）", "weight_decay": f"权重衰减（β = {WEIGHT_DECAY}）",
             "dropout": f"暂退法（p = {DROP_RATE}）"}
EXERCISE_LABELS = {"lambd": "ℓ2 正则化 λ", "weight_decay": "权重衰减 β", "drop_rate": "暂退法 p"}


def exercise_label(name):
    """练习 7.9 的配置名（如 `lambd=10`）→ 表与结论里的中文名（`ℓ2 正则化 λ = 10`）。"""
    key, value = name.split("=")
    return f"{EXERCISE_LABELS[key]} = {value}"


def accuracy_table(results, caption):
    """四组实验最后一个单位结束时的准确率，旁边是书中报告的数字。"""
    from ..show import table

    columns = ["训练集准确率", "测试集准确率", "训练 − 测试", "书中的训练集准确率", "书中的测试集准确率"]
    rows = []
    for name in RUNS:
        train, test = final_accuracy(results[name])
        rows.append([RUN_NAMES[name], train, test, train - test, *BOOK_ACCURACY[name]])
    return table(rows, ["实验", *columns], caption=caption, formats={c: "{:.3f}" for c in columns})


def plot_test_accuracy(results):
    """四组实验每个单位结束时的测试集准确率。"""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name in RUNS:
        records = results[name].records
        iters = [(u + 1) * ITERS_PER_UNIT for u in range(len(records))]
        ax.plot(iters, [record["test_acc"] for record in records], marker="o", ms=3, label=RUN_LABELS[name])
    ax.set_xlabel("iteration")
    ax.set_ylabel("test accuracy")
    ax.set_title("test accuracy during training")
    ax.legend()
    return fig


def plot_boundaries(results, names, X_train, y_train, titles=None, columns=None):
    """`names` 中每个训练好的网络的分类边界（`show_class_boundary`），返回 Figure。"""
    import matplotlib.pyplot as plt

    from ..plot import show_class_boundary

    columns = columns or len(names)
    rows = -(-len(names) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(5.2 * columns, 4.5 * rows), squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        title = (titles or {}).get(name, RUN_LABELS.get(name, name))
        show_class_boundary(results[name].trainable().model, X_train, y_train, ax=ax, title=title)
    fig.tight_layout()
    return fig


def region_counts(results, names=RUNS):
    """每个网络在画图用的网格上两类各连成几块（`nndl.plot.class_regions`）。"""
    from ..plot import class_regions, predict_grid

    return {name: class_regions(predict_grid(results[name].trainable().model)[2]) for name in names}


def exercise_claims(results, majority):
    """动手练习 7.9：每种正则化取得过大时。`majority` 是训练集中多数类所占的比例（常数预测的准确率）。"""
    from ..plot import predict_grid

    acc = {name: final_accuracy(results[name]) for name in exercise_names()}
    out = []
    for key, values in EXERCISE_VALUES.items():
        book_name, largest = f"{key}={values[0]:g}", f"{key}={values[-1]:g}"
        drop = acc[book_name][0] - acc[largest][0]
        out.append(Claim(f"{exercise_label(largest)}：训练集准确率比书中的取值低 10 个百分点以上", bool(drop > 0.10),
                         f"低 {drop * 100:.1f} 个百分点"))
        if key != "drop_rate":
            classes = predict_grid(results[largest].trainable().model)[2]
            out.append(Claim(f"{exercise_label(largest)}：整个平面都预测为同一类", bool(classes.min() == classes.max()),
                             f"{int(classes.sum())}/{classes.size} 个网格点预测为类别 1"))
    constant = [name for name in ("lambd=100", "weight_decay=0.05") if abs(acc[name][0] - majority) < 1e-6]
    out.append(Claim("ℓ2 正则化 λ = 100 与权重衰减 β = 0.05 的训练集准确率都等于多数类的比例（常数预测）", len(constant) == 2,
                     f"多数类 {majority:.3f}；" + "、".join(f"{exercise_label(n)} {acc[n][0]:.3f}"
                                                     for n in ("lambd=100", "weight_decay=0.05"))))
    a, b = acc["weight_decay=0.01"], acc["lambd=10"]
    out.append(Claim("权重衰减 β = 0.01 与 ℓ2 正则化 λ = 10 的准确率相近（训练集相差不超过 0.02，测试集不超过 0.03）",
                     bool(abs(a[0] - b[0]) <= 0.02 and abs(a[1] - b[1]) <= 0.03),
                     f"训练集 {a[0] - b[0]:+.3f}，测试集 {a[1] - b[1]:+.3f}"))
    return out


def exercise_names():
    """动手练习 7.9 的九个配置名，按 `EXERCISE_VALUES` 的顺序。"""
    return [f"{key}={value:g}" for key, values in EXERCISE_VALUES.items() for value in values]


def exercise_table(results, caption):
    from ..show import table

    return table([[exercise_label(name), *final_accuracy(results[name])] for name in exercise_names()],
                 ["设置", "训练集准确率", "测试集准确率"], caption=caption,
                 formats={"训练集准确率": "{:.3f}", "测试集准确率": "{:.3f}"})
