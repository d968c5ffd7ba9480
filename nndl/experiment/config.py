"""一个实验配置 `Config`：怎样构建可训练对象（`build` 与 `params`）、训练多少个单位（`units`）、用哪个种子。

配置可以写成 JSON（`to_dict`/`from_dict`），在进程之间传递、写进检查点；检查点里的配置与本次的配置
逐项比较（`differences`），不同就拒绝接着训练。

build 字符串写在检查点里，所以构建函数搬家（改模块或改名）时，旧的字符串必须仍然指向它：`MOVED_BUILDS`
记下每次搬家（旧 → 新），`current_build` 在字符串进入运行器的每个地方（构造 `Config`、读出检查点里的配置）
把旧的换成新的。于是搬家之前写下的 `runs/full/<name>/` 检查点与今天的配置比较时相同，可以接着训练；
用户代码里的旧字符串也照常可用。
"""

import importlib
import json
import math
import re
from dataclasses import dataclass, field

from ..validate import check_int

# "module.sub:function" 或 "module:Class.method"
_BUILD_PATTERN = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$")
MAX_SEED = 2**32 - 1  # np.random.seed 接受的上限

# 搬了家的构建函数：旧的 build 字符串 → 新的（issue 16 按角色重新布局 nndl，每节一个 nndl/sections/ 模块）。
# 只增不删：任何时候写下的检查点都要能接着训练。搬家时在这里加一行；再次搬家时把指向旧位置的各行也改成新位置
# （新的名字不能又是某一行的旧名字，只查一次表）。tests/unit/test_old_checkpoint.py 用真实的旧检查点检验它。
MOVED_BUILDS = {
    "nndl.mlp:moons_trainable": "nndl.sections.s7_4_initialization:init_trainable",
    "nndl.regularization:moons_trainable": "nndl.sections.s7_6_regularization:regularization_trainable",
    "nndl.normnet:mnist_norm_trainable": "nndl.sections.s7_5_normalization:norm_trainable",
    "nndl.mnist_tasks:optimizer_trainable": "nndl.sections.s7_3_exercises:optimizer_trainable",
    "nndl.sweep.training:LeNetConfiguration": "nndl.sections.s7_2_batch_size.training:LeNetTrainable",
}


def current_build(path):
    """build 字符串今天的写法：搬了家的（`MOVED_BUILDS` 的键）换成新的，其余原样返回。"""
    return MOVED_BUILDS.get(path, path)


def build_path(build):
    """把 `build`（"module:function" 字符串或模块级函数）规范成 "module:function" 字符串；不合格时报错并点名 `build`。

    搬了家的旧字符串换成新的（`current_build`）。"""
    if isinstance(build, str):
        if not _BUILD_PATTERN.match(build):
            raise ValueError(f"build 必须形如 'module:function'"
                             f"（例如 'nndl.sections.s7_4_initialization:init_trainable'），收到 {build!r}")
        return current_build(build)
    if not callable(build):
        raise TypeError(f"build 必须是 'module:function' 字符串或模块级函数，收到 {type(build).__name__}")
    module = getattr(build, "__module__", None)
    qualname = getattr(build, "__qualname__", None)
    if module in (None, "__main__", "__mp_main__") or not qualname:
        raise ValueError(f"build={build!r} 定义在 __main__（脚本或 notebook）里，工作进程无法导入它。"
                         "请把构建函数放进一个可导入的模块（例如 nndl 的某个模块），"
                         "再传入该函数或 'module:function' 字符串")
    if "<" in qualname:  # <lambda>、<locals>
        raise ValueError(f"build={build!r} 是 lambda 或嵌套函数，工作进程无法按名字导入它；请用模块级函数")
    path = f"{module}:{qualname}"
    if resolve_build(path) is not build:
        raise ValueError(f"build={build!r} 无法按名字 {path!r} 重新导入（被装饰器或重新赋值替换了？）")
    return path


def resolve_build(path):
    """导入 "module:function" 并返回该函数；导入失败时报错并点名 `build`。"""
    module_name, _, qualname = path.partition(":")
    try:
        obj = importlib.import_module(module_name)
    except ImportError as err:
        raise ValueError(f"build={path!r}：无法导入模块 {module_name!r}（{err}）") from None
    for part in qualname.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ValueError(f"build={path!r}：模块 {module_name!r} 中没有 {qualname!r}") from None
    if not callable(obj):
        raise ValueError(f"build={path!r} 不是可调用对象")
    return obj


def _check_json(value, where):
    """params 里只允许 JSON 的类型（有限浮点数），返回规范化后的值（元组变列表）。"""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where} 必须是有限数，收到 {value!r}")
        return value
    if isinstance(value, (list, tuple)):
        return [_check_json(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for key, v in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where} 的键必须是字符串，收到 {key!r}")
            out[key] = _check_json(v, f"{where}[{key!r}]")
        return out
    if hasattr(value, "item") and getattr(value, "shape", None) == ():  # NumPy 标量
        return _check_json(value.item(), where)
    raise TypeError(f"{where} 必须能写成 JSON（数、字符串、列表、字典），收到 {type(value).__name__}: {value!r}")


@dataclass(frozen=True)
class Config:
    """一个实验配置。

    - `name`：在一次 `run()` 中唯一，用于检查点文件名与进度条；
    - `build`："module:function"（或模块级函数，会被转换成这个字符串），`build(**params)` 返回可训练对象；
    - `params`：`build` 的关键字参数，必须能写成 JSON（元组会变成列表）；
    - `units`：训练单位数（回合，或第 7.6 节的若干次迭代一块）；
    - `seed`：构建前用它设置 paddle/numpy/random 的种子；第 u 个单位前用 `unit_seed(seed, u)`。
    """

    name: str
    build: str
    params: dict = field(default_factory=dict)
    units: int = 1
    seed: int = 0

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip() or len(self.name) > 120 or "\n" in self.name:
            raise ValueError(f"name 必须是非空的一行字符串（不超过 120 个字符），收到 {self.name!r}")
        object.__setattr__(self, "build", build_path(self.build))
        if not isinstance(self.params, dict):
            raise TypeError(f"params 必须是字典（build 的关键字参数），收到 {type(self.params).__name__}")
        object.__setattr__(self, "params", _check_json(self.params, "params"))
        object.__setattr__(self, "units", check_int(self.units, "units", min_val=1))
        object.__setattr__(self, "seed", check_int(self.seed, "seed", min_val=0, max_val=MAX_SEED))

    def to_dict(self):
        return {"name": self.name, "build": self.build, "params": json.loads(json.dumps(self.params)),
                "units": self.units, "seed": self.seed}

    @classmethod
    def from_dict(cls, data):
        """`to_dict` 的逆（检查点或另一个进程交来的字典）；旧的 build 字符串在构造时换成新的。"""
        return cls(**data)

    def to_json(self):
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text):
        return cls.from_dict(json.loads(text))

    def builder(self):
        """导入并返回 `build` 指向的函数。"""
        return resolve_build(self.build)


def differences(saved, current, where=""):
    """比较两个配置字典，返回不同之处的描述列表，例如 `["params['lr']: 0.01 → 0.02"]`（空列表表示相同）。"""
    if isinstance(saved, dict) and isinstance(current, dict):
        out = []
        for key in list(saved) + [k for k in current if k not in saved]:
            name = f"{where}[{key!r}]" if where else key
            if key not in current:
                out.append(f"{name}: 检查点里有，本次没有（检查点中为 {saved[key]!r}）")
            elif key not in saved:
                out.append(f"{name}: 本次有，检查点里没有（本次为 {current[key]!r}）")
            else:
                out.extend(differences(saved[key], current[key], name))
        return out
    if type(saved) is not type(current) or saved != current:
        return [f"{where}: 检查点中为 {saved!r}，本次为 {current!r}"]
    return []


def check_configs(configs):
    """检查 `run()` 的 `configs`：Config 的非空序列，名字互不相同。返回列表。"""
    if isinstance(configs, Config):
        raise TypeError("configs 必须是 Config 的列表；只有一个配置时写成 [config]")
    try:
        configs = list(configs)
    except TypeError:
        raise TypeError(f"configs 必须是 Config 的列表，收到 {type(configs).__name__}") from None
    if not configs:
        raise ValueError("configs 不能为空")
    seen = set()
    for i, config in enumerate(configs):
        if not isinstance(config, Config):
            raise TypeError(f"configs[{i}] 必须是 Config，收到 {type(config).__name__}")
        if config.name in seen:
            raise ValueError(f"configs 中有两个配置都叫 {config.name!r}；name 必须唯一")
        seen.add(config.name)
    return configs
