"""练习的目录：哪些参考实现变成练习、由哪个检查函数检查、出自哪个 notebook。

这是练习 notebook 的声明式规格（tools/make_practice.py 按它生成 notebooks/practice/ 下的练习 notebook）：

- `key`：检查的名字，学习者写 `check_optimizer(Adam, "adam")` 时的第二个参数；
- `kind`：哪一个检查函数（`"optimizer"`、`"schedule"`、`"init"`、`"layer"`，即 `check_optimizer` 等）；
- `reference`：参考实现 `"模块:名字"`，也就是那一节的 notebook 用 `show_source(名字)` 显示的源码；
- `blanks`：练习里换成骨架（`raise NotImplementedError`）的方法；空元组表示整个函数体（函数的练习）。
  其余部分（类的文档字符串、`__init__`、`train`/`eval` 等）照原样给出，学习者只写这一节要讲的公式；
- `notebook`：显示这份源码的那一节 notebook（`notebooks/` 下的文件名，不带 `.ipynb`）。练习 notebook 是
  `notebooks/practice/<notebook>.ipynb`，练习的顺序就是 `show_source` 单元格在那一节里的顺序。
"""

import importlib
from dataclasses import dataclass

from ..validate import check_choice

__all__ = ["Exercise", "EXERCISES", "KINDS", "exercise", "reference_object"]

KINDS = ("optimizer", "schedule", "init", "layer")


@dataclass(frozen=True)
class Exercise:
    key: str
    kind: str
    reference: str
    blanks: tuple
    notebook: str

    @property
    def name(self):
        """参考实现的名字（如 "Adam"），也是练习里骨架的名字。"""
        return self.reference.split(":")[1]

    @property
    def module(self):
        return self.reference.split(":")[0]


EXERCISES = (
    Exercise("optimized_function", "layer", "nndl.op.functions:OptimizedFunction", ("backward",), "7-3-1-setup"),
    Exercise("sgd", "optimizer", "nndl.op.optimizers:SimpleBatchGD", ("update",), "7-3-1-setup"),
    Exercise("linear", "layer", "nndl.op.functions:Linear", ("backward",), "7-3-1-setup"),
    Exercise("adagrad", "optimizer", "nndl.op.optimizers:Adagrad", ("update",), "7-3-2-adagrad-rmsprop"),
    Exercise("rmsprop", "optimizer", "nndl.op.optimizers:RMSprop", ("update",), "7-3-2-adagrad-rmsprop"),
    Exercise("momentum", "optimizer", "nndl.op.optimizers:Momentum", ("update",), "7-3-3-momentum-adam"),
    Exercise("adam", "optimizer", "nndl.op.optimizers:Adam", ("update",), "7-3-3-momentum-adam"),
    Exercise("cosine_annealing_decay", "schedule", "nndl.lr:CosineAnnealingDecay", ("value",), "7-3-exercises"),
    Exercise("adadelta", "optimizer", "nndl.op.optimizers:AdaDelta", ("update",), "7-3-exercises"),
    Exercise("nesterov", "optimizer", "nndl.op.optimizers:Nesterov", ("update",), "7-3-exercises"),
    Exercise("adamw", "optimizer", "nndl.op.optimizers:AdamW", ("update",), "7-3-exercises"),
    Exercise("xavier_normal", "init", "nndl.init:xavier_normal_std", (), "7-4-initialization"),
    Exercise("xavier_uniform", "init", "nndl.init:xavier_uniform_r", (), "7-4-initialization"),
    Exercise("kaiming_normal", "init", "nndl.init:kaiming_normal_std", (), "7-4-initialization"),
    Exercise("batchnorm", "layer", "nndl.op.norm:BatchNorm", ("forward",), "7-5-normalization"),
    Exercise("layernorm", "layer", "nndl.op.norm:LayerNorm", ("forward",), "7-5-normalization"),
    Exercise("l2_loss", "layer", "nndl.op.layers:BinaryCrossEntropyWithLogits", ("forward", "backward"),
             "7-6-regularization"),
    Exercise("weight_decay", "optimizer", "nndl.op.layers:BatchGD", ("update",), "7-6-regularization"),
    Exercise("dropout", "layer", "nndl.op.layers:Dropout", ("forward", "backward"), "7-6-regularization"),
)

_BY_KEY = {e.key: e for e in EXERCISES}


def exercise(key, kind=None):
    """键为 `key` 的练习；给出 `kind` 时只在这一类检查的练习中找（报错信息列出可选的键）。"""
    options = [e.key for e in EXERCISES if kind is None or e.kind == kind]
    return _BY_KEY[check_choice(key, "name", options)]


def reference_object(item):
    """练习 `item` 的参考实现（类或函数）。"""
    return getattr(importlib.import_module(item.module), item.name)
