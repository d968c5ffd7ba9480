"""nndl.show：源码显示去掉参数检查时只去掉参数检查。"""

import inspect

from nndl.op import Optimizer, OptimizedFunction
from nndl.show import CHECKS_OMITTED, show_source, without_checks


def test_without_checks_drops_argument_checks_only():
    source = '''def f(x, n):
    if n <= 0:
        raise ValueError(f"n 必须为正，收到 {n}")
    for v in x:
        if v is None:
            raise TypeError("x 里不能有 None")
    y = 2 * n
    if not y:
        raise RuntimeError("不是参数检查，保留")
    return y
'''
    shown = without_checks(source)
    assert "ValueError" not in shown and "TypeError" not in shown
    assert shown.count(CHECKS_OMITTED) == 1  # 相邻的两处检查合成一行注释
    assert "RuntimeError" in shown and "y = 2 * n" in shown and "return y" in shown
    compile(shown, "<shown>", "exec")  # 去掉之后仍是合法的 Python


def test_show_source_keeps_the_teaching_code():
    shown = show_source(Optimizer, hide_checks=True).data
    assert "self.update(x, g, self.state[key])" in shown and "NonFiniteError" in shown
    assert "raise TypeError" not in shown and "raise ValueError" not in shown
    # 默认显示完整源码
    assert show_source(OptimizedFunction).data == inspect.getsource(OptimizedFunction)
