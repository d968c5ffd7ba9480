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
