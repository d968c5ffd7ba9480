"""书中规模（full profile）的保存结果：每个重实验（`nndl.sections.experiments` 的登记表）一份，随仓库与 wheel 提供，
页面在 quick 的运行结果之后用它给出书中规模的同一张图、同一张表、同样的检查，不必训练。

```python
from nndl.results import stored
book = stored("7.6-regularization")   # 与 run() 的返回值接口相同：配置名 → RunResult
book["none"].records[-1]["test_acc"]  # 记录；.state、.trainable()（只在保存了最终状态的配置上）、.seconds、.finished
print(book.provenance.describe())     # nndl 版本、日期、机器、墙钟时间；.reduction 是删减规则
```

各部分：`stored`（文件格式与读出）、`policy`（逐步序列的删减规则、保存哪些最终状态）、`provenance`（保存的配置与
今天的登记表是否一致、重新计算第一个单位是否一致）、`generate`（经由实验运行器训练并写出文件：`regenerate`）。
在仓库根目录运行 `make results`（即 `python -m nndl.results --regenerate`）重新生成全部保存结果。
"""

from .policy import POLICIES, Policy
from .provenance import record_differences, spot_check, stale
from .generate import regenerate
from .stored import DATA_DIR, Provenance, StoredResults, StoredRunResult, stored
from .compare import same_as_stored

__all__ = ["stored", "StoredResults", "StoredRunResult", "Provenance", "POLICIES", "Policy", "DATA_DIR", "stale",
           "spot_check", "record_differences", "regenerate", "same_as_stored"]
