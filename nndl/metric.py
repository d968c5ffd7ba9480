"""分类准确率：函数 `accuracy`（书中第 4 章的 `metric.accuracy`）与 `RunnerV3` 用的 `Accuracy` 类。"""

import paddle

from .runner import Accuracy

__all__ = ["accuracy", "Accuracy"]


def accuracy(preds, labels, threshold=0.5):
    """准确率（0 维 float32 张量）。`preds` 为 `[N, 1]` 时按 `threshold` 二分类（正类概率用 0.5，logits 用 0）；
    为 `[N, C]` 时取 argmax。

    `labels` 的形状为 `[N]` 或 `[N, 1]`。
    """
    if preds.ndim != 2:
        raise ValueError(f"preds（概率或 logits）的形状应为 [N, 1] 或 [N, C]，收到 {list(preds.shape)}")
    labels = paddle.reshape(labels, [-1]).astype("int64")
    if labels.shape[0] != preds.shape[0]:
        raise ValueError(f"preds 有 {preds.shape[0]} 个样本，labels 有 {labels.shape[0]} 个")
    if preds.shape[1] == 1:
        predicted = (paddle.reshape(preds, [-1]) >= threshold).astype("int64")
    else:
        predicted = paddle.argmax(preds, axis=1)
    return paddle.mean((predicted == labels).astype("float32"))
