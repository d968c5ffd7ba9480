"""`python -m nndl.results --regenerate [名字 ...] [--workers N] [--fresh]`：重新生成书中规模的保存结果
（`make results` 就是它）；`python -m nndl.results --check`：只检查保存的配置是否仍与今天的登记表一致。

退出状态：0 成功（`--check`：全部一致）；1 `--check` 发现过期的文件；2 参数不对。
"""

import argparse
import sys

from ..sections.experiments import EXPERIMENTS
from .provenance import stale
from .generate import regenerate
from .stored import REGENERATE


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nndl.results", description="书中规模（full profile）的保存结果")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--regenerate", action="store_true", help="经由实验运行器训练（或从检查点读出）并写出文件")
    action.add_argument("--check", action="store_true", help="保存的配置与今天的登记表一致吗")
    parser.add_argument("names", nargs="*", metavar="名字", help=f"实验名（默认全部：{', '.join(EXPERIMENTS)}）")
    parser.add_argument("--workers", type=int, default=None, help="工作进程数（默认为可用核数）")
    parser.add_argument("--fresh", action="store_true", help="删除 runs/full/<名字>/ 里的检查点，从头训练")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in EXPERIMENTS]
    if unknown:
        parser.error(f"{unknown} 不是登记的实验（可用：{', '.join(EXPERIMENTS)}）")
    names = args.names or list(EXPERIMENTS)
    if args.check:
        found = [d for name in names for d in stale(name)]
        for line in found:
            print(line)
        print(f"{len(found)} 处不同" + (f"；在仓库根目录运行 {REGENERATE} 重新生成" if found else "：保存的配置与登记表一致"))
        return 1 if found else 0
    regenerate(names, workers=args.workers, fresh=args.fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
