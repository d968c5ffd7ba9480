"""7.2 节与动手练习 7.1、7.2 的表、图、结论与小结：参数是一次扫描（`SweepResult`），quick 的运行和书中规模的
保存结果用的是同一组函数，所以两种规模的图、表和判定可以并排比较。

每条结论是 `Claim(结论, 判定, 余量)`：判定是 True/False；余量是判定所依据的数（相对差写成百分数，回合数写成
“k/n”），看它离判定的界有多远。
"""

import numpy as np

from ...show import VERDICT, Claim, claims_table, table  # noqa: F401 -- VERDICT, claims_table: for the page
from .outputs import plot_epoch_losses


def epoch_losses(result):
    """`([配置, 回合] 的回合平均损失, 批大小列表)`。"""
    return np.array([run["train_epoch_losses"] for run in result.runs]), [run["batch_size"] for run in result.runs]


def _pct(x):
    return f"{x * 100:+.1f}%"


def loss_table(result, caption):
    """每个配置每个回合的平均训练损失。"""
    losses, sizes = epoch_losses(result)
    columns = [f"批大小 {b}" for b in sizes]
    return table([[epoch + 1, *losses[:, epoch]] for epoch in range(losses.shape[1])], ["回合", *columns],
                 caption=caption, formats={c: "{:.4f}" for c in columns})


def plot_sweep(result):
    """左图：每个回合的损失（线型同书中）；右图：第 2 回合起，除最大的批以外每个配置比最小的批高（低）百分之几。"""
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_diff) = plt.subplots(1, 2, figsize=(13, 4.5))
    plot_epoch_losses(result, ax=ax_loss)
    losses, sizes = epoch_losses(result)
    for line, row, size in zip(ax_loss.get_lines(), losses, sizes):
        if size == sizes[-1]:
            continue
        diff = (row / losses[0] - 1) * 100
        ax_diff.plot(line.get_xdata()[1:], diff[1:], color=line.get_color(), linestyle=line.get_linestyle(),
                     marker=line.get_marker(), markersize=6, markerfacecolor="none", label=line.get_label())
    ax_diff.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax_diff.set_xlabel("epoch")
    ax_diff.set_ylabel(f"loss relative to batch size {sizes[0]} (%)")
    ax_diff.set_title(f"from epoch 2: difference from batch size {sizes[0]}")
    ax_diff.legend()
    return fig


def orderings(result):
    """每个回合的损失从小到大对应的批大小，一行一个回合。"""
    losses, sizes = epoch_losses(result)
    return [f"第 {e + 1} 回合，损失从小到大对应的批大小：{[sizes[i] for i in np.argsort(losses[:, e])]}"
            for e in range(losses.shape[1])]


def sweep_claims(result):
    """7.2 节：书中的结论与本页的观察，批大小从小到大排列（书中的五组）。"""
    losses, sizes = epoch_losses(result)
    n = losses.shape[1]
    ordered = [bool(np.all(np.diff(losses[:, e]) > 0)) for e in range(n)]
    first_gap = float(np.min(losses[1:, 0] / losses[:-1, 0] - 1))
    best = int(np.argmin(losses[:, -1]))
    others_max = np.sort(losses[:-1], axis=0)[-1]  # 每个回合除最大的批以外最高的损失
    lead = float(np.min(losses[-1] / others_max - 1))
    spread = losses[:3, 1:].max(axis=0) / losses[:3, 1:].min(axis=0) - 1
    return [
        Claim("（书中）每个回合都是批越小、回合损失越小", all(ordered), f"{sum(ordered)}/{n} 个回合"),
        Claim("（书中）第 1 回合批越小、回合损失越小", ordered[0], f"相邻两组至少差 {_pct(first_gap)}"),
        Claim(f"（书中：适当小）最后一回合损失最低的不是最小的批大小 {sizes[0]}", best != 0,
              f"批大小 {sizes[best]} 最低，比 {sizes[0]} {_pct(losses[best, -1] / losses[0, -1] - 1)}"),
        Claim(f"批大小 {sizes[-1]} 每个回合的损失都是五组中最高的", lead > 0, f"至少高 {_pct(lead)}"),
        Claim(f"批大小 {'、'.join(map(str, sizes[:3]))} 从第 2 回合起每个回合相差都不到 3%", bool(np.all(spread < 0.03)),
              f"最大相差 {spread.max() * 100:.1f}%"),
        Claim(f"最后一回合批大小 {sizes[-2]} 的损失高于批大小 {sizes[0]}", bool(losses[-2, -1] > losses[0, -1]),
              _pct(losses[-2, -1] / losses[0, -1] - 1)),
        Claim(f"最后一回合批大小 {sizes[-1]} 的损失比批大小 {sizes[0]} 高 20% 以上", bool(losses[-1, -1] > 1.2 * losses[0, -1]),
              _pct(losses[-1, -1] / losses[0, -1] - 1)),
    ]


def sweep_summary(result, label):
    """7.2 节的小结（Markdown），`label` 说明是哪一次运行（例如“本页这次运行（quick 规模，…）”）。"""
    losses, sizes = epoch_losses(result)
    n = losses.shape[1]
    ordered = [e + 1 for e in range(n) if np.all(np.diff(losses[:, e]) > 0)]
    spread = losses[:3].max(axis=0) / losses[:3].min(axis=0)
    merged = next((e for e in range(1, n) if np.all(spread[e:] < 1.03)), None)
    best = int(np.argmin(losses[:, -1]))
    agree = (f"第 {_ranges(ordered)} 回合与书中的结论一致：批越小，回合损失越小（共 {n} 个回合）" if ordered
             else "没有一个回合完全符合书中的结论（批越小，回合损失越小）")
    together = (f"从第 {merged + 1} 回合起每个回合相差都不到 3%，三条曲线几乎重合" if merged is not None
                else f"之后并非每个回合都相差不到 3%（最后一回合相差 {spread[-1] - 1:.0%}）")
    return (f"""在{label}里：

- {agree}。第 1 回合的损失从批大小 {sizes[0]} 到 {sizes[-1]} 依次是 {"、".join(f"{v:.2f}" for v in losses[:, 0])}；
- 批大小 {"、".join(map(str, sizes[:3]))} 三者在第 1 回合相差 {spread[0] - 1:.0%}，{together}；
- 最后一回合损失最低的是批大小 {sizes[best]}（{losses[best, -1]:.4f}），批大小 {sizes[0]} 是 {losses[0, -1]:.4f}，"""
            f"""批大小 {sizes[-2]} 和 {sizes[-1]} 是 {losses[-2, -1]:.4f} 和 {losses[-1, -1]:.4f}，后者比批大小 {sizes[0]} {"高" if losses[-1, -1] > losses[0, -1] else "低"} {abs(losses[-1, -1] / losses[0, -1] - 1):.0%}。""")


def _ranges(numbers):
    """[1, 2, 3, 5] → "1–3、5"。"""
    parts, start = [], None
    for k, x in enumerate(numbers):
        if start is None:
            start = x
        if k + 1 == len(numbers) or numbers[k + 1] != x + 1:
            parts.append(str(start) if start == x else f"{start}–{x}")
            start = None
    return "、".join(parts)


# ---------------------------------------------------------------------------------------------------------------
# 动手练习 7.1：按迭代看与按回合看


def mean_step_loss(run, first, last):
    """第 `first`..`last` 次迭代（从 1 数）的平均损失（书中规模的保存结果保留了第一个回合的每一步）。"""
    points = [loss for step, loss in run["train_step_losses"] if first - 1 <= step <= last - 1]
    if len(points) != last - first + 1:
        raise ValueError(f"记录里没有第 {first}–{last} 次迭代的全部损失")
    return float(np.mean(points))


def last_epoch_jitter(run, num_samples, num_epochs):
    """最后一个回合相邻两次迭代的损失之差的标准差（单次迭代损失的起伏）。按步号取最后一个回合（书中规模的保存结果
    在中间的回合只保留了一部分步，最后一个回合是完整的）。"""
    per_epoch = -(-num_samples // run["batch_size"])
    first = (num_epochs - 1) * per_epoch
    losses = [loss for step, loss in run["train_step_losses"] if step >= first]
    if len(losses) != per_epoch:
        raise ValueError(f"记录里没有最后一个回合（第 {first + 1}–{first + per_epoch} 次迭代）的全部损失")
    return float(np.std(np.diff(losses)))


def iteration_claims(result):
    """动手练习 7.1：同样的迭代次数与同样的回合数比较。"""
    runs = {run["batch_size"]: run for run in result.runs}
    sizes = list(runs)
    by_iteration = [mean_step_loss(runs[b], 81, 100) for b in sizes]
    by_epoch = [runs[b]["train_epoch_losses"][0] for b in sizes]
    jitter = {b: last_epoch_jitter(runs[b], result.num_samples, result.num_epochs) for b in sizes}
    ratio = by_iteration[0] / by_iteration[-1]
    return [
        Claim("第 81–100 次迭代的平均损失：批越大损失越小（与按回合看相反）", bool(np.all(np.diff(by_iteration) < 0)),
              f"相邻两组至少差 {_pct(float(np.min(1 - np.array(by_iteration[1:]) / np.array(by_iteration[:-1]))))}"),
        Claim("第 1 个回合的平均损失：批越小损失越小", bool(np.all(np.diff(by_epoch) > 0)),
              f"相邻两组至少差 {_pct(float(np.min(np.array(by_epoch[1:]) / np.array(by_epoch[:-1]) - 1)))}"),
        Claim(f"第 81–100 次迭代，批大小 {sizes[0]} 的损失是批大小 {sizes[-1]} 的 3 倍以上", ratio > 3, f"{ratio:.1f} 倍"),
        Claim(f"最后一个回合，批大小 {sizes[0]} 单次迭代损失的起伏是批大小 {sizes[-1]} 的 2 倍以上",
              jitter[sizes[0]] > 2 * jitter[sizes[-1]], f"{jitter[sizes[0]] / jitter[sizes[-1]]:.1f} 倍"),
    ]


# ---------------------------------------------------------------------------------------------------------------
# 动手练习 7.2：批大小加倍与学习率减半


def settings_claims(base, one, two):
    """动手练习 7.2：设置 1（批大小加倍）、设置 2（学习率减半）与基准（7.2 节的 64, 0.04）。参数是三个配置的记录
    （`SweepResult.runs` 的元素）。"""
    loss_one, loss_two = np.array(one["train_epoch_losses"]), np.array(two["train_epoch_losses"])
    gap = loss_one / loss_two - 1  # 每个回合设置 1 比设置 2 高百分之几
    slower = np.minimum(loss_one, loss_two) / np.array(base["train_epoch_losses"]) - 1
    per_iteration = 1 - mean_step_loss(one, 81, 100) / mean_step_loss(two, 81, 100)
    shrink = gap[1:] / gap[:-1]
    return [
        Claim("按回合：每个回合设置 2 的损失都比设置 1 低 0.2% 以上", bool(np.all(gap > 0.002)), f"最小差距 {_pct(gap.min())}"),
        Claim("按回合：差距逐回合缩小，每个回合的差距都不到前一回合的 0.7 倍", bool(np.all(shrink < 0.7)),
              f"最大的比值 {shrink.max():.2f}"),
        Claim("按回合：第 1 回合相差 10% 以上，最后一回合相差不到 1%", bool(gap[0] > 0.10 and abs(gap[-1]) < 0.01),
              f"第 1 回合 {_pct(gap[0])}，最后一回合 {_pct(gap[-1])}"),
        Claim("按回合：两种设置每个回合都比基准慢（损失更高）", bool(np.all(slower > 0)), f"至少高 {_pct(slower.min())}"),
        Claim("按迭代：同样 100 次迭代，设置 1 的损失比设置 2 低 20% 以上", per_iteration > 0.2, f"低 {per_iteration * 100:.1f}%"),
    ]


# ---------------------------------------------------------------------------------------------------------------
# 书中规模的保存结果


def stored_sweep(name="7.2-batch-size"):
    """实验 `name`（`"7.2-batch-size"` 或 `"7.2-exercises"`）书中规模的保存结果，整理成与 `sweep()` 相同的
    `SweepResult`；`.provenance` 是它的来历（`nndl.results.Provenance`）。"""
    from ...results import stored
    from .parallel import sweep_result

    book = stored(name)
    result = sweep_result(book, book.configs, book.provenance.workers)
    result.provenance = book.provenance
    return result


def compare_with_stored(result, book):
    """本页在 full 规模下的运行 `result` 与保存结果 `book` 是同一个实验：配置必须相同（不同时抛出 AssertionError）；
    每个回合的平均损失量出最大相对差别（`nndl.results.compare` 说明为什么只量不判）。返回页面上的一句话。"""
    from ...results.compare import relative_drift, same_experiment  # nndl.results 的登记表导入本模块

    same_setup = ([(r["batch_size"], r["learning_rate"]) for r in result.runs]
                  == [(r["batch_size"], r["learning_rate"]) for r in book.runs]
                  and (result.num_samples, result.num_epochs, result.seed)
                  == (book.num_samples, book.num_epochs, book.seed))
    if not same_setup:
        raise AssertionError("本页这次运行与书中规模的保存结果不是同一组配置：在仓库根目录运行 make results 重新生成")
    drift = relative_drift([r["train_epoch_losses"] for r in book.runs], [r["train_epoch_losses"] for r in result.runs],
                           "每个回合的平均损失")
    return same_experiment(len(book.runs), drift)


# ---------------------------------------------------------------------------------------------------------------
# 动手练习的表与图


def _smoothed(run, k=10):
    """`run` 的逐步损失按记录的点做 k 点滑动平均：返回 `(每个平均值最后一点的迭代序号（从 1 数）, 平均值)`。
    逐步记录完整时就是最近 k 次迭代的平均；书中规模的保存结果在首末回合之外每 25 步留一点，那里是最近 k 个记录点。"""
    steps = np.array([step for step, _ in run["train_step_losses"]], dtype=float)
    losses = np.array([loss for _, loss in run["train_step_losses"]], dtype=float)
    return steps[k - 1:] + 1, np.convolve(losses, np.ones(k) / k, mode="valid")


def plot_iterations(result):
    """动手练习 7.1：左图按迭代次数（对数横轴），右图同样的曲线按回合数。"""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    for run in result.runs:
        x, y = _smoothed(run)
        label = f"batch size: {run['batch_size']}, lr: {run['learning_rate']:g}"
        axes[0].plot(x, y, label=label)
        axes[1].plot(x * run["batch_size"] / result.num_samples, y, label=label)
    axes[0].set_xscale("log")
    axes[0].set_xlabel("iteration (log scale)")
    axes[1].set_xlabel("epoch (samples seen / N)")
    for ax in axes:
        ax.set_ylabel("step loss (10-point mean)")
        ax.legend()
    axes[0].set_title("loss per iteration")
    axes[1].set_title("the same curves against epochs")
    return fig


def iteration_table(result, caption):
    """动手练习 7.1：相同迭代次数（第 81–100 次）与相同回合数（第 1 个回合）的平均损失。"""
    return table([[run["batch_size"], run["learning_rate"], mean_step_loss(run, 81, 100), run["train_epoch_losses"][0]]
                  for run in result.runs], ["批大小", "学习率", "第 81–100 次迭代", "第 1 个回合"],
                 caption=caption, formats={"学习率": "{:g}", "第 81–100 次迭代": "{:.4f}", "第 1 个回合": "{:.4f}"})


SETTING_LABELS = {"基准": "base (64, 0.04)", "设置 1：批大小加倍": "1. double batch (128, 0.04)",
                  "设置 2：学习率减半": "2. half lr (64, 0.02)", "线性缩放（参照）": "linear scaling (128, 0.08)"}


def setups(result, extra):
    """动手练习 7.2 的四个运行：名字 → 记录。`result` 是 7.2 节的五组扫描，`extra` 是两种设置的扫描。"""
    runs = {run["batch_size"]: run for run in result.runs}
    return {"基准": runs[64], "设置 1：批大小加倍": extra.runs[0], "设置 2：学习率减半": extra.runs[1],
            "线性缩放（参照）": runs[128]}


def setups_table(named, num_epochs, caption):
    epochs = [f"第 {e + 1} 回合" for e in range(num_epochs)]
    return table([[name, run["batch_size"], run["learning_rate"], *run["train_epoch_losses"]]
                  for name, run in named.items()], ["设置", "批大小", "学习率", *epochs],
                 caption=caption, formats={"学习率": "{:.2f}", **{e: "{:.4f}" for e in epochs}})


def plot_setups(named):
    """动手练习 7.2：左图每个回合的损失，右图按迭代（对数横轴）的 10 点滑动平均。"""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    for name, run in named.items():
        x, y = _smoothed(run)
        label = SETTING_LABELS[name]
        axes[0].plot(range(1, len(run["train_epoch_losses"]) + 1), run["train_epoch_losses"], marker="o", label=label)
        axes[1].plot(x, y, label=label)
    axes[0].set_xlabel("epoch")
    axes[0].xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    axes[0].set_ylabel("epoch mean loss")
    axes[0].set_title("per epoch")
    axes[1].set_xscale("log")
    axes[1].set_xlabel("iteration (log scale)")
    axes[1].set_ylabel("step loss (10-point mean)")
    axes[1].set_title("per iteration")
    for ax in axes:
        ax.legend()
    return fig
