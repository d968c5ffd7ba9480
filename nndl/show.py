"""在 notebook 里展示包内实现的源码：网页上显示的就是测试所检验的那份代码。"""

import inspect

from IPython.display import Code


def show_source(obj):
    """返回 `obj`（类或函数）源码的高亮显示对象，放在单元格最后一行即可显示。"""
    return Code(inspect.getsource(obj), language="python")
