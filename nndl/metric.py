"""分类准确率：函数 `accuracy`（书中第 4 章的 `metric.accuracy`）与 `RunnerV3` 用的 `Accuracy` 类。

两者用同一条规则把模型输出变成预测标签（`predicted_labels`）：输出为 `[N, 1]` 时按阈值二分类，
为 `[N, C]` 时取 argmax。函数返回一批的准确率张量；类在多批上累计正确数与样本数。
"""

import paddle

from .validate import check_bool

__all__ = ["accuracy", "Accuracy", "predicted_labels"]


def predicted_labels(outputs, labels, threshold, name="preds"):
    """把输出 `outputs` 变成预测标签，返回 `(预测, 标签)`，都是形状 `[N]` 的 int64 张量。

    `outputs` 为 `[N, 1]` 时，不小于 `threshold` 的判为正类（正类概率用 0.5，logits 用 0）；为 `[N, C]` 时取 argmax。
    `labels` 的形状为 `[N]` 或 `[N, 1]`。`name` 是报错时对 `outputs` 的称呼。
    """
    if outputs.ndim != 2:
        raise ValueError(f"{name}（概率或 logits）的形状应为 [N, 1] 或 [N, C]，收到 {list(outputs.shape)}")
    labels = paddle.reshape(labels, [-1]).astype("int64")
    if labels.shape[0] != outputs.shape[0]:
        raise ValueError(f"{name} 有 {outputs.shape[0]} 个样本，labels 有 {labels.shape[0]} 个")
    if outputs.shape[1] == 1:
        predicted = (paddle.reshape(outputs, [-1]) >= threshold).astype("int64")
    else:
        predicted = paddle.argmax(outputs, axis=1)
    return predicted, labels


def accuracy(preds, labels, threshold=0.5):
    """准确率（0 维 float32 张量）。`preds` 为 `[N, 1]` 时按 `threshold` 二分类（正类概率用 0.5，logits 用 0）；
    为 `[N, C]` 时取 argmax。

    `labels` 的形状为 `[N]` 或 `[N, 1]`。
    """
    predicted, labels = predicted_labels(preds, labels, threshold)
    return paddle.mean((predicted == labels).astype("float32"))


class Accuracy(paddle.metric.Metric):
    """分类准确率。`outputs` 为 `[N, C]` 时取 argmax；为 `[N, 1]` 时按阈值二分类（logits 用 0，概率用 0.5）。"""

    def __init__(self, is_logist=True):
        super().__init__()
        self.is_logist = check_bool(is_logist, "is_logist")
        self.reset()

    def update(self, outputs, labels):
        threshold = 0.0 if self.is_logist else 0.5
        preds, labels = predicted_labels(outputs, labels, threshold, name="outputs")
        self.num_correct += int((preds == labels).astype("int64").sum().item())
        self.num_count += labels.shape[0]

    def accumulate(self):
        if self.num_count == 0:
            raise ValueError("还没有调用 update，无法计算准确率")
        return self.num_correct / self.num_count

    def reset(self):
        self.num_correct = 0
        self.num_count = 0

    def name(self):
        return "Accuracy"
