"""本章重实验的登记表：notebook 经由实验运行器、以 `runs_dir(名字)` 为检查点目录运行的每个实验，一个名字。

```python
from nndl.experiment import run, runs_dir
from nndl.sections.experiments import configs
results = run(configs("7.6-regularization", profile), out_dir=runs_dir("7.6-regularization"))
```

`configs(名字, profile)` 由各节配方里的函数与常量拼出配置，与页面上运行的是同一份；书中规模（full）的保存结果
（`nndl.results.stored(名字)`）也是按它训练的，`tests/unit/test_stored_results.py` 检查两者仍然一致。名字就是
检查点目录 `runs/full/<名字>/` 的名字，也是保存结果的文件名。
"""

from typing import Callable, NamedTuple

from ..profile import check_profile, current_profile
from ..validate import check_choice
from . import s7_2_batch_size, s7_3_exercises, s7_4_initialization, s7_5_normalization, s7_6_regularization


class Experiment(NamedTuple):
    """一个重实验：`title` 说明它是什么（中文），`notebooks` 是运行它的页面，`build(profile)` 返回配置列表。"""

    title: str
    notebooks: tuple
    build: Callable


def _batch_size(profile):
    return s7_2_batch_size.sweep_configs(profile=profile, seed=0)


def _batch_size_exercise(profile):
    settings = s7_2_batch_size.EXERCISE_SETTINGS.values()
    return s7_2_batch_size.sweep_configs([b for b, _ in settings], [lr for _, lr in settings], profile=profile, seed=0)


EXPERIMENTS = {
    "7.2-batch-size": Experiment("7.2 节批大小实验（及动手练习 7.1）", ("7-2-batch-size", "7-2-exercises"), _batch_size),
    "7.2-exercises": Experiment("动手练习 7.2：批大小加倍与学习率减半", ("7-2-exercises",), _batch_size_exercise),
    "exercise-7.5": Experiment("动手练习 7.5：Adam、AdamW 与 Adam+ℓ2 在 MNIST 上", ("7-3-exercises",),
                               lambda profile: s7_3_exercises.configs(s7_3_exercises.SPECS_75, profile)),
    "exercise-7.6": Experiment("动手练习 7.6：另外四个优化器在 MNIST 上", ("7-3-exercises",),
                               lambda profile: s7_3_exercises.configs(s7_3_exercises.SPECS_76, profile)),
    "7.4-init-tanh": Experiment("7.4.2.3 节：Tanh 网络的 Xavier 与 N(0, 1) 初始化", ("7-4-initialization",),
                                lambda profile: s7_4_initialization.configs(s7_4_initialization.TANH_INITS, act="tanh",
                                                                            profile=profile, seed=0)),
    "7.4-init-relu": Experiment("动手练习 7.7：ReLU 网络的 Xavier 与 He 初始化", ("7-4-initialization",),
                                lambda profile: s7_4_initialization.configs(s7_4_initialization.RELU_INITS, act="relu",
                                                                            profile=profile, seed=0)),
    "7.5.1.5": Experiment("7.5.1.5 节与动手练习 7.8：有无批量规范化、层规范化的卷积网络", ("7-5-normalization",),
                          lambda profile: s7_5_normalization.norm_configs(profile, norms=s7_5_normalization.PAGE_NORMS)),
    "7.6-regularization": Experiment("7.6 节的四组实验与动手练习 7.9", ("7-6-regularization",),
                                     lambda profile: s7_6_regularization.page_configs(profile)),
}


def check_name(name):
    """`name` 是登记表里的实验名之一，否则报错并点名参数 `name`、列出全部名字。"""
    check_choice(name, "name", EXPERIMENTS)
    return name


def configs(name, profile=None):
    """实验 `name` 在 `profile`（默认读取 `NNDL_PROFILE`）下的配置列表，就是页面交给运行器的那一份。"""
    experiment = check_choice(name, "name", EXPERIMENTS)
    return experiment.build(current_profile() if profile is None else check_profile(profile))
