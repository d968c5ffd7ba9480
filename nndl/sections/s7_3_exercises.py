"""7.3 节动手练习的实验配方。练习 7.5、7.6：用 Paddle 自带的优化器在 MNIST 上训练书中的 LeNet，每个优化器
一个实验配置。

`optimizer_trainable` 是实验运行器（`nndl.experiment`）的 builder，在 `Config` 里写成
`build="nndl.sections.s7_3_exercises:optimizer_trainable"`（`configs` 替你写好）。
模型是书中 7.2 节的 `paddle.vision.models.LeNet(num_classes=10)`
（`nndl.models.lenet()`：与 7.2 节一样，卷积偏置换成快的加法，前向的每个数不变），
损失为交叉熵，训练集每个回合打乱（顺序由运行器的种子决定），在测试集上评价准确率。

两个规模登记在 `nndl.profile.SIZES["7.3 练习"]`：quick 只取 2000 张训练图像训练 2 个回合（网站与 nbval 用），
full 用全部 60000 张训练图像训练 5 个回合、在全部 10000 张测试图像上评价。
"""

import numpy as np
import paddle
import paddle.nn.functional as F

from ..data import mnist_tensors
from ..experiment import Config, LayerTrainable
from ..metric import Accuracy
from ..models import lenet
from ..profile import sizes
from ..show import Claim
from ..validate import check_choice, check_real

BUILD = "nndl.sections.s7_3_exercises:optimizer_trainable"

# 与 paddle.optimizer 中的类一一对应；值为 (类名, 该优化器允许的额外参数)。
OPTIMIZERS = {
    "SGD": ("SGD", ()),
    "Momentum": ("Momentum", ("momentum", "use_nesterov")),
    "Adagrad": ("Adagrad", ("epsilon",)),
    "RMSProp": ("RMSProp", ("rho", "epsilon", "momentum")),
    "Adam": ("Adam", ("beta1", "beta2", "epsilon", "weight_decay")),
    "AdamW": ("AdamW", ("beta1", "beta2", "epsilon", "weight_decay")),
}

# 页面上两个练习的配置：名字 → （优化器, 学习率, 额外参数）。练习 7.5 比较 Adam、AdamW 与 Adam+ℓ2，练习 7.6 再加四个优化器。
SPECS_75 = {
    "Adam": ("Adam", 0.001, {}),
    "AdamW": ("AdamW", 0.001, {"weight_decay": 0.01}),
    "Adam+L2": ("Adam", 0.001, {"weight_decay": 0.01}),
}
SPECS_76 = {
    "SGD": ("SGD", 0.04, {}),
    "Momentum": ("Momentum", 0.01, {"momentum": 0.9}),
    "Adagrad": ("Adagrad", 0.01, {}),
    "RMSProp": ("RMSProp", 0.001, {}),
}


def paddle_optimizer(optimizer, lr, parameters, options=None):
    """按名字创建 `paddle.optimizer` 中的优化器：`optimizer` 是 `OPTIMIZERS` 的键，`options` 是额外参数。"""
    class_name, allowed = check_choice(optimizer, "optimizer", OPTIMIZERS)
    lr = check_real(lr, "lr", min_val=0, include_boundaries="neither")
    options = dict(options or {})
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(f"options 中的 {unknown} 不是 {optimizer} 的参数（可用：{', '.join(allowed) or '无'}）")
    return getattr(paddle.optimizer, class_name)(learning_rate=lr, parameters=parameters, **options)


def parameter_norm(model):
    """模型全部权重（不含偏置）的 L2 范数：权重衰减的效果最直接地体现在它上面。"""
    total = 0.0
    for name, p in model.named_parameters():
        if name.endswith("weight"):
            total += float(np.square(p.numpy().astype(np.float64)).sum())
    return total ** 0.5


class _NormRecording:
    """包一层 `LayerTrainable`：每个回合的记录里再加上这个回合结束时的权重范数 `weight_norm`。"""

    def __init__(self, inner):
        self.inner = inner
        self.unit_cost = inner.unit_cost
        self.num_units = inner.num_units

    @property
    def progress_hook(self):
        return self.inner.progress_hook

    @progress_hook.setter
    def progress_hook(self, hook):
        self.inner.progress_hook = hook

    def train_unit(self, unit):
        record = self.inner.train_unit(unit)
        record["weight_norm"] = parameter_norm(self.inner.model)
        return record

    def evaluate(self, data=None):
        return self.inner.evaluate(data)

    def state_dict(self):
        return self.inner.state_dict()

    def set_state_dict(self, state):
        self.inner.set_state_dict(state)


def optimizer_trainable(optimizer, lr, num_train, num_test, num_epochs, options=None, batch_size=64, eval_steps=16):
    """书中的 LeNet + `paddle.optimizer.<optimizer>`（学习率 `lr`，额外参数 `options`）在 MNIST 上的可训练对象。

    `lenet()` 与 7.2 节相同：`paddle.vision.models.LeNet(num_classes=10)`，只是卷积层加偏置的写法更快（`nndl.models`）。

    训练集是前 `num_train` 张训练图像（每个回合打乱），验证集是前 `num_test` 张**测试**图像；每 `eval_steps` 步
    和最后一步评价一次准确率。每个回合的记录另有 `weight_norm`（权重的 L2 范数）。
    """
    model = lenet()
    opt = paddle_optimizer(optimizer, lr, model.parameters(), options)
    trainable = LayerTrainable(model, opt, F.cross_entropy, Accuracy(), mnist_tensors("train", num_train),
                               mnist_tensors("test", num_test), batch_size=batch_size, shuffle=True,
                               num_epochs=num_epochs, eval_steps=eval_steps)
    return _NormRecording(trainable)


def configs(specs, profile=None, seed=0):
    """把 `{名字: (优化器, 学习率, 额外参数)}` 变成运行器的 `Config` 列表，规模取自 profile。"""
    settings = sizes("7.3 练习", profile)
    result = []
    for name, (optimizer, lr, options) in specs.items():
        params = {"optimizer": optimizer, "lr": lr, "options": dict(options), **settings}
        result.append(Config(name=name, build=BUILD, params=params,
                             units=settings["num_epochs"], seed=seed))
    return result


def summarize(result):
    """一个 `RunResult` 的摘要：每步损失 `steps`、`losses`，验证点 `dev_steps`、`dev_acc`，最后的准确率与权重范数。"""
    steps, losses, dev_steps, dev_acc = [], [], [], []
    for record in result.records:
        for step, loss in record["step_losses"]:
            steps.append(step)
            losses.append(loss)
        for step, score, _ in record["dev"]:
            dev_steps.append(step)
            dev_acc.append(score)
    return {"steps": steps, "losses": losses, "dev_steps": dev_steps, "dev_acc": dev_acc,
            "final_acc": dev_acc[-1] if dev_acc else None,
            "weight_norm": result.records[-1]["weight_norm"] if result.records else None}


# ---------------------------------------------------------------------------------------------------------------
# 动手练习 7.5、7.6 的表、图与结论：参数是 `summarize` 的摘要（名字 → 摘要），quick 的运行与书中规模的保存结果
# 用同一组函数。


NAMES_76 = ("SGD", "Momentum", "Adagrad", "RMSProp", "Adam", "AdamW")
# 两幅图里同一个优化器用同一种颜色与线型；AdamW 与 Adam 几乎重合，Adam 画成宽的半透明带，AdamW 的虚线压在上面
STYLES_76 = {"SGD": {"color": "#9467bd"}, "Momentum": {"color": "#d62728"}, "Adagrad": {"color": "#1f77b4"},
             "RMSProp": {"color": "#2ca02c"}, "Adam": {"color": "#000000", "linewidth": 6, "alpha": 0.3},
             "AdamW": {"color": "#ff7f0e", "linestyle": "--"}}


def summaries(results, names):
    """`names` 中每个配置的摘要（`summarize`）。"""
    return {name: summarize(results[name]) for name in names}


def mnist_table(mnist, names, caption, weight_norm=False):
    """最后与最高的测试准确率、最后 20 步的平均损失（以及权重范数）。"""
    from ..show import table

    columns = ["优化器", "最后的测试准确率", "最高的测试准确率", "最后 20 步的平均损失"] + (["权重范数"] if weight_norm else [])
    rows = [[name, mnist[name]["dev_acc"][-1], max(mnist[name]["dev_acc"]), float(np.mean(mnist[name]["losses"][-20:]))]
            + ([mnist[name]["weight_norm"]] if weight_norm else []) for name in names]
    return table(rows, columns, caption=caption, formats={c: "{:.3f}" for c in columns[1:]})


def weight_shrink(mnist, alpha=0.001, lam=0.01):
    """AdamW、Adam+L2 的权重范数比 Adam 小的比例，以及按公式 1 − (1 − αλ)^步数 预计的 AdamW 的比例。"""
    steps = len(mnist["Adam"]["losses"])
    expected = 1 - (1 - alpha * lam) ** steps  # AdamW 每步把权重乘以 1 − αλ
    return {"steps": steps, "expected": expected,
            "AdamW": 1 - mnist["AdamW"]["weight_norm"] / mnist["Adam"]["weight_norm"],
            "Adam+L2": 1 - mnist["Adam+L2"]["weight_norm"] / mnist["Adam"]["weight_norm"]}


def adamw_claims(mnist):
    """动手练习 7.5：Adam、AdamW 与 Adam+L2。"""
    shrink = weight_shrink(mnist)
    off = shrink["AdamW"] / shrink["expected"] - 1
    acc_gap = abs(mnist["AdamW"]["dev_acc"][-1] - mnist["Adam"]["dev_acc"][-1])
    lowest = min(mnist[name]["dev_acc"][-1] for name in ("Adam", "AdamW", "Adam+L2"))
    return [
        Claim("AdamW 的权重范数比 Adam 小，缩小的比例与 1 − (1 − αλ)^步数 相差不到后者的 30%", bool(abs(off) < 0.3),
              f"实测 {shrink['AdamW']:.3%}，公式 {shrink['expected']:.3%}（相差 {off:+.0%}）"),
        Claim("Adam+L2 的权重范数比 Adam 小 3% 以上，是 AdamW 缩小比例的 10 倍以上",
              bool(shrink["Adam+L2"] > 0.03 and shrink["Adam+L2"] > 10 * shrink["AdamW"]),
              f"小 {shrink['Adam+L2']:.1%}，是 AdamW 的 {shrink['Adam+L2'] / shrink['AdamW']:.0f} 倍"),
        Claim("AdamW 与 Adam 最后的测试准确率相差不到 0.02", bool(acc_gap < 0.02), f"相差 {acc_gap:.3f}"),
        Claim("三个配置最后的测试准确率都高于 0.7", bool(lowest > 0.7), f"最低 {lowest:.3f}"),
    ]


def optimizer_claims(mnist, names=NAMES_76):
    """动手练习 7.6：六个优化器。"""
    best = {name: max(mnist[name]["dev_acc"]) for name in names}
    last = {name: mnist[name]["dev_acc"][-1] for name in names}
    fall = {name: float(np.mean(mnist[name]["losses"][-20:])) / mnist[name]["losses"][0] for name in names}
    drops = [name for name in names if best[name] - last[name] > 0.1]
    spread = max(last.values()) - min(last.values())
    return [
        Claim("每个优化器的最高测试准确率都超过 0.8", bool(min(best.values()) > 0.8), f"最低 {min(best.values()):.3f}"),
        Claim("每个优化器最后 20 步的平均损失都低于第 1 步的一半", bool(max(fall.values()) < 0.5),
              f"最多是第 1 步的 {max(fall.values()):.2f}"),
        Claim("至少两个优化器最后一次评价的准确率比自己的最高值低 0.1 以上", len(drops) >= 2,
              "、".join(drops) if drops else "没有"),
        Claim("最后一次评价的准确率最高与最低相差 0.1 以上（排不出可靠的先后）", bool(spread > 0.1), f"相差 {spread:.3f}"),
        Claim("六个优化器最后的测试准确率相差不到 1 个百分点（这些学习率下选哪个优化器几乎没有差别）", bool(spread < 0.01),
              f"相差 {spread * 100:.1f} 个百分点"),
    ]


def ranking(mnist, names=NAMES_76):
    """按最后一次评价的测试准确率从高到低排列的 `[(名字, 准确率, 最后 20 步的平均损失), …]`。"""
    rows = [(name, mnist[name]["dev_acc"][-1], float(np.mean(mnist[name]["losses"][-20:]))) for name in names]
    return sorted(rows, key=lambda row: -row[1])


def plot_optimizers(mnist, names=NAMES_76, k=10):
    """动手练习 7.6：左图训练损失的 k 步滑动平均（画在窗口最后一步），右图每次评价的测试准确率。"""
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(13, 4.5))
    for name in names:
        steps = np.asarray(mnist[name]["steps"], dtype=float) + 1
        mean = np.convolve(np.asarray(mnist[name]["losses"], dtype=float), np.ones(k) / k, mode="valid")
        ax_loss.plot(steps[k - 1:], mean, label=name, **STYLES_76[name])
        ax_acc.plot(mnist[name]["dev_steps"], mnist[name]["dev_acc"], marker="o", label=name, **STYLES_76[name])
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel(f"cross-entropy ({k}-step mean)")
    ax_loss.set_title("LeNet on MNIST: training loss")
    ax_acc.set_xlabel("step")
    ax_acc.set_ylabel("test accuracy")
    ax_acc.set_title("LeNet on MNIST: accuracy on the test images")
    for ax in (ax_loss, ax_acc):
        ax.legend()
    return fig
