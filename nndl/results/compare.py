"""页面在 full 规模下运行时，它的结果与书中规模的保存结果是同一个实验：`same_as_stored` 逐个配置比较。"""

from .policy import POLICIES, reduce_records
from .provenance import record_differences
from .stored import REGENERATE, stored


def same_as_stored(name, results, data_dir=None):
    """`results`（页面上 `run()` 在 full 规模下的结果）与实验 `name` 的保存结果逐个配置比较：配置相同，记录按保存
    时的删减规则删减后，在跨 CPU 的容差内相同（`record_differences`）。返回一句说明；不同时抛出 AssertionError，
    写明第一处不同与重新生成的命令。"""
    book = stored(name, data_dir)
    if [r.config.to_dict() for r in results.values()] != [r.config.to_dict() for r in book.values()]:
        raise AssertionError(f"本页这次运行与实验 {name!r} 的保存结果不是同一组配置：在仓库根目录运行 {REGENERATE}")
    found = [d for config_name, live in results.items()
             for d in record_differences(book[config_name].records,
                                         reduce_records(live.records, POLICIES[name]), f"配置 {config_name!r}")]
    if found:
        raise AssertionError(f"本页这次运行与保存结果不同：{found[0]}；确认训练代码的改动是有意的之后，运行 {REGENERATE}")
    return f"本页这次运行就是书中规模的实验：{len(book)} 个配置与保存结果相同，每条记录在跨 CPU 的容差内一致。"
