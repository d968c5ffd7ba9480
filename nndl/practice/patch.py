"""把 `nndl.practice.mistakes` 中的一处错误打进参考实现的源码（只在内存里），得到犯了这个错误的类或函数。

敏感性测试把同一处替换写进项目副本里的文件；这里读包里的同一个文件（从网站下载的 wheel 里也有它），替换后在一个新的
命名空间里执行：相对导入照常指向真正的 `nndl`（例如打了错误的 `Adam` 仍继承真正的 `Optimizer`），包本身不受影响。
"""

import functools
import importlib
from pathlib import Path

from .catalog import exercise

__all__ = ["patched_module", "mistaken"]


def _module_name(path):
    """项目中的路径 `nndl/op/optimizers.py` 对应的模块名 `nndl.op.optimizers`。"""
    if not path.startswith("nndl/") or not path.endswith(".py"):
        raise ValueError(f"错误只能打在 nndl 包的模块里，收到 {path!r}")
    return path.removesuffix(".py").replace("/", ".")


@functools.lru_cache(maxsize=None)
def patched_module(path, old, new):
    """模块 `path` 的源码里恰好一处 `old` 换成 `new` 后执行，返回它的全局命名空间（字典）。"""
    name = _module_name(path)
    module = importlib.import_module(name)
    source = Path(module.__file__).read_text(encoding="utf-8")
    if source.count(old) != 1:
        raise RuntimeError(f"{path} 中应当恰好有一处 {old!r}，实际 {source.count(old)} 处（nndl/practice/mistakes.py 需要更新）")
    namespace = {"__name__": f"{name}.__mistake__", "__package__": module.__package__, "__file__": module.__file__}
    exec(compile(source.replace(old, new), f"{module.__file__} (mistake)", "exec"), namespace)  # noqa: S102
    return namespace


def mistaken(mistake):
    """犯了 `mistake` 的那个参考实现（类或函数）。"""
    return patched_module(mistake.path, mistake.old, mistake.new)[exercise(mistake.check).name]
