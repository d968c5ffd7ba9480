"""扫描结果的图与文件：`plot_epoch_losses`（书中的线型），`write_outputs`（losses.json、两个 CSV 与一张 PNG）。"""

import csv
import io
import json
import os
import tempfile
from pathlib import Path

# 线型同书中（128 点划线、256 虚线）；书中 32 的颜色 #f7d2e2 在白底上几乎看不见，16、32、64 三条线又常常重合，
# 这里换成易于区分的颜色，并给每条线加上不同的标记。
_STYLES = {16: ("#7f7f7f", "-", "o"), 32: ("#1f77b4", "-", "s"), 64: ("#d6287e", "-", "^"),
           128: ("#e8743b", "-.", "D"), 256: ("#000000", "--", "v")}


def plot_epoch_losses(result, ax=None):
    """画出每个配置的 `train_epoch_losses`（横轴是整数回合），返回 Figure。"""
    # matplotlib 在用到时才导入：命令行（write_outputs）要在 pyplot 第一次导入之前选好无显示器的 Agg 后端
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 5))
    else:
        fig = ax.figure
    for run in result.runs:
        color, linestyle, marker = _STYLES.get(run["batch_size"], (None, "-", "o"))
        epochs = range(1, len(run["train_epoch_losses"]) + 1)
        ax.plot(epochs, run["train_epoch_losses"], c=color, linestyle=linestyle, marker=marker, markersize=5,
                markerfacecolor="none", label=f"batch size: {run['batch_size']}, lr: {run['learning_rate']:g}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend()
    ax.set_title("epoch loss with different bs and lr")
    return fig


def _csv(header, rows):
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


def _write_atomically(path, data):
    """先写同目录下的临时文件再 `os.replace`：写到一半失败时原来的文件保持不变。"""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_outputs(result, out_dir):
    """把结果写进 `out_dir`：losses.json、epoch_losses.csv、step_losses.csv 与 epoch_losses.png（每个都原子写入）。"""
    import matplotlib  # 见 plot_epoch_losses：先选 Agg 后端，再导入 pyplot

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    losses = json.dumps(result.to_dict(), ensure_ascii=False, indent=1).encode("utf-8")
    epochs = _csv(["batch_size", "learning_rate", "epoch", "loss"],
                  [[run["batch_size"], run["learning_rate"], epoch, repr(loss)]
                   for run in result.runs for epoch, loss in enumerate(run["train_epoch_losses"], start=1)])
    steps = _csv(["batch_size", "learning_rate", "step", "loss"],
                 [[run["batch_size"], run["learning_rate"], step, repr(loss)]
                  for run in result.runs for step, loss in run["train_step_losses"]])
    fig = plot_epoch_losses(result)
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    for name, data in (("losses.json", losses), ("epoch_losses.csv", epochs), ("step_losses.csv", steps),
                       ("epoch_losses.png", png.getvalue())):
        _write_atomically(out_dir / name, data)
