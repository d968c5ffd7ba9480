"""7.5 节（逐层规范化）的实验配方：7.5.1.4 节累积滑动平均的循环，7.5.1.5 节与动手练习 7.8 的 MNIST 卷积网络
（`nndl.models.NormCNN`，有无逐层规范化）的实验构建函数 `norm_trainable` 与配置 `norm_configs`。

`accumulate_moving_averages` 每一遍都喂一批新抽的数据（书中的循环每遍抽一个新的 `inputs`，喂进去的却总是
同一个 `data`，滑动平均于是只记住了那一批的统计量）。

网络 `NormCNN`（书中 7.5.1.5 节，在 `nndl.models`）：Conv2D(1→20, 5×5, padding 2) → [规范化] → ReLU → MaxPool 2 →
Conv2D(20→20, 5×5, padding 2) → [规范化] → ReLU → MaxPool 2 → Linear(980→10)。
卷积层是 `nndl.models.Conv2D`（即 `paddle.nn.Conv2D`，只是加偏置的写法快，前向的每个数不变）。
规范化层放在卷积与激活之间：`norm=None` 不用，`'bn'` 用 `paddle.nn.BatchNorm2D`（书中的做法），
`'ln'` 用 `paddle.nn.LayerNorm` 在每个样本的 (C, H, W) 上规范化（练习 7.8）。

`norm_trainable` 是实验运行器（`nndl.experiment`）的构建函数：书中的 Adam（学习率 0.01）、批大小 64、
打乱的训练集、每 300 步评价一次。与书中不同，评价用的是 MNIST 的**测试集**（书中的 `dev_loader` 由训练集构建，
读入的测试集从未使用，所谓“验证”曲线其实是训练集上的曲线）。
"""

import warnings

import paddle
import paddle.nn.functional as F

from ..data import mnist_tensors
from ..experiment import Config, LayerTrainable
from ..experiment.pool import single_threaded
from ..metric import Accuracy
from ..models import NORMS, NormCNN
from ..profile import sizes
from ..show import Claim
from ..validate import check_choice, check_int

BUILD = "nndl.sections.s7_5_normalization:norm_trainable"
PAGE_NORMS = (None, "bn", "ln")  # 页面上的三个网络：7.5.1.5 节的有无批量规范化，动手练习 7.8 的层规范化

# paddle.nn.BatchNorm2D 在训练模式下每次前向都提示“训练时总是记录滑动平均”，这正是这里要的行为。
warnings.filterwarnings("ignore", message="When training, we now always track global mean and variance")


def accumulate_moving_averages(model, num_passes=50, batch_shape=(200, 100)):
    """在训练模式下让 `model` 前向 `num_passes` 遍，每遍一批新的标准正态数据（形状 `batch_shape`），
    以此累积批量规范化的滑动平均（7.5.1.4 节）。不求梯度。"""
    check_int(num_passes, "num_passes", min_val=1)
    with paddle.no_grad():
        for _ in range(num_passes):
            inputs = paddle.randn(list(batch_shape))
            model(inputs, train_mode=True)


def norm_configs(profile=None, norms=(None, "bn"), seed=0):
    """`profile` 规模下每种规范化（`norms` 里的 None、'bn'、'ln'）一个实验配置，名字为 'none'、'bn'、'ln'。
    同一个种子：各网络的卷积层与全连接层从相同的初始参数出发（规范化层的初值是常数，不消耗随机数）。"""
    settings = sizes("7.5", profile)
    return [Config(name=check_choice(norm, "norm", NORMS) or "none", build=BUILD,
                   params={"norm": norm, **settings}, units=settings["num_epochs"], seed=seed)
            for norm in norms]


def norm_trainable(norm, num_train, num_test, num_epochs, eval_steps, lr=0.01, batch_size=64):
    """实验运行器的构建函数：`NormCNN(norm)`、Adam、交叉熵，训练集前 `num_train` 张（每个回合打乱），
    每 `eval_steps` 步在**测试集**前 `num_test` 张上评价一次。"""
    model = NormCNN(norm)
    optimizer = paddle.optimizer.Adam(learning_rate=lr, parameters=model.parameters())
    return LayerTrainable(model, optimizer, F.cross_entropy, Accuracy(),
                          mnist_tensors("train", num_train), mnist_tensors("test", num_test),
                          batch_size=batch_size, shuffle=True, num_epochs=num_epochs, eval_steps=eval_steps)


# ---------------------------------------------------------------------------------------------------------------
# 7.5.1.5 节与动手练习 7.8 的图与结论：参数是 run() 的结果（配置名 "none"、"bn"、"ln"），quick 的运行与书中规模的
# 保存结果用同一组函数。

TIE = 0.03  # 测试损失的相对差别小于它算作持平
IN_WORDS = {"lower": "更低", "higher": "更高", "tie": "持平"}


def dev_curves(result):
    """每次评价的 `(步数, 测试准确率, 测试损失)` 三个数组。"""
    import numpy as np

    dev = np.array([d for record in result.records for d in record["dev"]])
    return dev[:, 0], dev[:, 1], dev[:, 2]


def plot_dev(results, labels):
    """`labels`（配置名 → 图例）中每个配置每次评价的测试损失（左）与准确率（右），返回 Figure。"""
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    for name, label in labels.items():
        steps, scores, losses = dev_curves(results[name])
        ax_loss.plot(steps, losses, marker="o", label=label)
        ax_acc.plot(steps, scores, marker="o", label=label)
    ax_loss.set_title("test loss")
    ax_acc.set_title("test accuracy")
    for ax in (ax_loss, ax_acc):
        ax.set_xlabel("step")
        ax.legend()
    return fig


def compare_losses(results, a, b, margin=TIE):
    """逐个评价点比较配置 `a` 与 `b` 的测试损失：低（高）`margin` 以上才算 lower（higher），否则 tie。"""
    steps, _, loss_a = dev_curves(results[a])
    _, _, loss_b = dev_curves(results[b])
    return [(int(step), "lower" if la < lb * (1 - margin) else "higher" if la > lb * (1 + margin) else "tie")
            for step, la, lb in zip(steps, loss_a, loss_b)]


def bn_claims(results):
    """7.5.1.5 节：带与不带批量规范化（最后一个评价点比较准确率，不比较损失：那里两条曲线已经很接近，相对差对
    舍入很敏感）。"""
    verdicts = compare_losses(results, "bn", "none")[:-1]
    lower = [step for step, verdict in verdicts if verdict == "lower"]
    _, acc_bn, loss_bn = dev_curves(results["bn"])
    _, acc_none, loss_none = dev_curves(results["none"])
    gap = abs(acc_bn[-1] - acc_none[-1])
    return [
        Claim(f"（书中）带 BN 的网络收敛更快：最后一个评价点之前，每个评价点的测试损失都低 {TIE:.0%} 以上",
              len(lower) == len(verdicts), f"{len(lower)}/{len(verdicts)} 个评价点更低"),
        Claim("最后一个评价点两个网络会合：测试准确率相差不到 1 个百分点", bool(gap < 0.01), f"相差 {gap * 100:.1f} 个百分点"),
    ]


def ln_claims(results):
    """动手练习 7.8：带层规范化与不带规范化。"""
    verdicts = compare_losses(results, "ln", "none")
    lower = sum(verdict == "lower" for _, verdict in verdicts)
    higher = sum(verdict == "higher" for _, verdict in verdicts)
    return [
        Claim(f"带 LN 的网络多数评价点测试损失更低（低 {TIE:.0%} 以上）", lower > len(verdicts) / 2,
              f"{lower}/{len(verdicts)} 个更低，{higher} 个更高"),
        Claim("带 LN 的网络没有一个评价点测试损失更低", lower == 0, f"{lower}/{len(verdicts)} 个更低"),
    ]


def seen_versus_unseen(results, num_images=None, names=("none", "bn")):
    """书中的“验证”曲线在训练集上评价：把训练好的网络在训练集的前 `num_images` 张上评价，与它在测试集前 `num_images`
    张上的评价并列，返回 `{名字: ((训练集准确率, 损失), (测试集准确率, 损失))}`。

    测试集上的那一次不重算：运行器在最后一步之后、以同一个网络在测试集前 `num_test` 张上评价过，就是记录里最后一个
    评价点，与单线程地重新评价逐位相同（书中规模上一次评价一万张要近 3 秒）。训练集上的这一次也单线程地评价，
    与运行器相同，所以两边的结果不随调用者的线程数（`OMP_NUM_THREADS`）而变。所以 `num_images` 必须等于配置的 `num_test`
    （默认就取它）。书中规模的这个结果在保存时算好（`nndl.results.policy` 的 `measures`），页面读 `stored(...).measure(...)`。"""
    if num_images is None:
        num_images = results[names[0]].config.params["num_test"]
    seen = mnist_tensors("train", num_images)
    out = {}
    for name in names:
        result = results[name]
        if result.config.params["num_test"] != num_images:
            raise ValueError(f"num_images 必须等于配置 {name!r} 评价用的测试图像数 {result.config.params['num_test']}，"
                             f"收到 {num_images}")
        trainable = result.trainable()
        step, score, loss = result.records[-1]["dev"][-1]
        if step != trainable.num_training_steps - 1:
            raise ValueError(f"配置 {name!r} 最后一个评价点在第 {step} 步，不是最后一步 {trainable.num_training_steps - 1}")
        with single_threaded():
            out[name] = (trainable.evaluate(seen), (score, loss))
    return out


def seen_claims(measured):
    """训练集上的损失是否明显低于测试集上的（书中的“验证”曲线偏乐观）。"""
    return [Claim(f"{name}：训练集上的损失比测试集上低 10% 以上（“验证”曲线明显偏乐观）", bool(loss_tr < 0.9 * loss_te),
                  f"{loss_tr:.4f} 对 {loss_te:.4f}")
            for name, ((_, loss_tr), (_, loss_te)) in measured.items()]
