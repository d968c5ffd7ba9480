"""实验运行器：本章每个重实验都经由它运行（第 7.2、7.4.2.3、7.5.1.5、7.6 节与 MNIST 的动手练习）。

```python
from nndl.experiment import Config, run, ExperimentError, LayerTrainable, mnist_tensors, runs_dir
results = run([Config(name="xavier", build="nndl.sections.s7_4_initialization:init_trainable",
                      params={"init": "xavier_normal", "num_epochs": 50}, units=50)], out_dir=runs_dir("7.4-xavier"))
results["xavier"].records  # 每个单位（回合）train_unit 的返回值
```

配置在单线程的工作进程里并行训练，按单位（回合）切分；模型参数、优化器状态、数据位置与随机数都随工作移动，
所以无论用几个进程、怎样切分、是否中断后接着训练，记录下的每个损失与分数都逐位相同。各部分：

- `config`：配置 `Config`（可写成 JSON）与 `build` 的导入；
- `scheduler`：决定下一个训练哪个配置（纯函数，单元测试不启动进程）；
- `pool`：工作进程（以及 `workers=0` 时在本进程中运行）；
- `store`：检查点（原子写入、校验、设置比对）与 `runs_dir`；
- `seeding`：`unit_seed`；`progress`：进度条；`trainables`：可训练对象的约定 `Trainable` 与 `LayerTrainable`；
- `driver`：把以上各部分组合起来的 `run()`；`results`：`Results`、`RunResult`、`ExperimentError`。
"""

from ..data import mnist_tensors
from .config import Config
from .driver import run
from .results import ExperimentError, Results, RunResult
from .seeding import unit_seed
from .store import CheckpointError, runs_dir
from .trainables import LayerTrainable, Trainable

__all__ = ["Config", "run", "Results", "RunResult", "ExperimentError", "CheckpointError", "LayerTrainable",
           "Trainable", "mnist_tensors", "runs_dir", "unit_seed"]
