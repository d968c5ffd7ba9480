"""调度：决定空闲的工作进程接下来训练哪个配置的下一个单位。纯函数，不启动任何进程。

规则：在既没有在别处运行、也没有失败、还没训练完的配置中，选剩余工作量（剩余单位数 × 每单位工作量）
最大的一个；工作量还不知道的配置（还没构建过）优先，按输入顺序；剩余工作量相同时优先这个工作进程
刚训练过的配置（可以省去重建模型），再按输入顺序。每次只分派一个单位，所以工作在单位边界上切分，
长的配置可以在几个进程之间接力，几个核大致同时结束。
"""

import math
from dataclasses import dataclass


@dataclass
class Status:
    """调度所需的一个配置的状态。`unit_cost` 为 None 表示还不知道（可训练对象还没构建过）。"""

    units: int
    done: int = 0
    unit_cost: float | None = None
    running: bool = False
    failed: bool = False

    @property
    def finished(self):
        return self.done >= self.units


def remaining_cost(status):
    """剩余工作量；每单位工作量未知时为无穷大（先开始没开始过的配置）。"""
    cost = math.inf if status.unit_cost is None else status.unit_cost
    left = status.units - status.done
    return left * cost if left > 0 else 0.0


def pending(status):
    """这个配置现在可以分派给一个空闲的工作进程吗？"""
    return not status.running and not status.failed and not status.finished


def choose_next(statuses, last=None):
    """返回下一个要训练的配置序号；没有可分派的配置时返回 None。`last` 是这个工作进程刚训练过的配置序号。"""
    candidates = [i for i, status in enumerate(statuses) if pending(status)]
    if not candidates:
        return None
    return max(candidates, key=lambda i: (remaining_cost(statuses[i]), i == last, -i))


def all_done(statuses):
    """没有正在运行的配置，也没有可分派的配置：这次运行结束了。"""
    return not any(s.running or pending(s) for s in statuses)


def simulate(units, unit_costs, workers):
    """模拟调度（每个单位的耗时等于它的工作量），返回 `(makespan, assignments)`。

    `assignments` 是 `(worker, config, unit, start_time)` 的列表。只用于测试与估计，不影响实际运行。
    """
    statuses = [Status(n, unit_cost=None) for n in units]
    free_at = [0.0] * workers
    last = [None] * workers
    busy = {}  # worker -> (config, finish_time)
    assignments = []
    now = 0.0
    while True:
        for w in range(workers):
            if w in busy or free_at[w] > now:
                continue
            i = choose_next(statuses, last[w])
            if i is None:
                continue
            statuses[i].running = True
            assignments.append((w, i, statuses[i].done, now))
            busy[w] = (i, now + unit_costs[i])
        if not busy:
            return now, assignments
        w, (i, finish) = min(busy.items(), key=lambda item: (item[1][1], item[0]))
        del busy[w]
        now = free_at[w] = finish
        statuses[i].running = False
        statuses[i].done += 1
        statuses[i].unit_cost = unit_costs[i]  # 做完一个单位后才知道它的工作量
        last[w] = i
