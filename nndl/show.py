"""在 notebook 里展示：包内实现的源码（网页上显示的就是测试所检验的那份代码），以及结果表格。"""

import ast
import html
import inspect
import numbers
import textwrap

from IPython.display import Code, Markdown

from .validate import __all__ as VALIDATORS


def prose(text):
    """把一句由运行结果算出的正文渲染成 Markdown：页面引用实验中的数字时用它，数字就不会与运行脱节。

    用法（全站只用这一种机制）：

    - 放在代码单元格的最后一行，用 f-string 把算出的值填进句子，例如
      ``prose(f"Momentum 离 $(0,0)$ 最近时相距 {closest:.2f}（第 {k} 步）。")``；句子可以含 Markdown 与
      ``$…$`` 公式。
    - 这样的单元格带标签 ``remove-input``（网页上只显示渲染出的句子），元数据里写
      ``"jupyter": {"source_hidden": true}``（JupyterLab 折叠输入，学习者读到的也是渲染好的句子）。
    - 不引用运行结果的正文仍写在 Markdown 单元格里。正文里手写的数字只能是该页声明过的常量（书中的设置、
      书中报告的结果——正文须说明是书中的——、公式里的常数），声明在 tests/prose_constants.py；
      tests/unit/test_prose.py 检查每个 Markdown 单元格、每个 book 页面和每个 ``prose(...)`` 模板的字面部分，
      并检查保存的输出与模板一致（改了模板却没有重新执行，测试就失败）。
    - nbval 比较这个单元格的输出，所以输出必须在任何机器上都成立：要么打印的精度本身就是处处成立的结论
      （例如“第 5 步”这样的整数、一个排序、保留到各机器都相同的位数），要么单元格带标签
      ``nbval-ignore-output``，并由后面的一个检查单元格打印结论（带容差，且容差小于所检查的效应）。

    `text` 必须是字符串。
    """
    if not isinstance(text, str):
        raise TypeError(f"prose 的参数 text 必须是字符串，收到 {type(text).__name__}")
    return Markdown(text)


CHECKS_OMITTED = "# ……（检查参数，从略）"


_ARGUMENT_ERRORS = {"TypeError", "ValueError", "KeyError"}


def _raises_argument_error(node):
    exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    return isinstance(node, ast.Raise) and isinstance(exc, ast.Name) and exc.id in _ARGUMENT_ERRORS


def _calls_validator(node):
    """`check_int(...)` 这样对 `nndl.validate` 的调用：一个表达式语句，或把调用结果赋给名字的赋值。"""
    if not isinstance(node, (ast.Expr, ast.Assign)):
        return False
    call = node.value
    return (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in VALIDATORS
            and (isinstance(node, ast.Expr) or all(isinstance(t, (ast.Name, ast.Attribute, ast.Tuple))
                                                   for t in node.targets)))


def _is_check(node):
    """参数检查：只抛出 TypeError/ValueError/KeyError 的 `if`（没有 else），或只包含这种 `if` 的 `for`，或对
    `nndl.validate` 中检查函数的调用（见 `_calls_validator`）。"""
    if _calls_validator(node):
        return True
    if isinstance(node, ast.If):
        return not node.orelse and all(isinstance(n, ast.Raise) and _raises_argument_error(n) for n in node.body)
    if isinstance(node, ast.For):
        return not node.orelse and all(_is_check(n) for n in node.body)
    return False


def without_checks(source):
    """去掉源码 `source` 里的参数检查（`if …: raise ValueError(…)` 之类与只做这种检查的 `for`），每处换成一行注释 `CHECKS_OMITTED`。"""
    source = textwrap.dedent(source)
    lines = source.splitlines()
    drop = {}
    for node in ast.walk(ast.parse(source)):
        for field in ("body", "orelse", "finalbody"):
            children = getattr(node, field, None)
            for child in children if isinstance(children, list) else []:
                if isinstance(child, ast.stmt) and _is_check(child):
                    drop[child.lineno - 1] = child.end_lineno
    out, i = [], 0
    while i < len(lines):
        if i in drop:
            indent = lines[i][:len(lines[i]) - len(lines[i].lstrip())]
            if not (out and out[-1].strip() == CHECKS_OMITTED):
                out.append(indent + CHECKS_OMITTED)
            i = drop[i]
        else:
            out.append(lines[i])
            i += 1
    return "\n".join(out) + "\n"


def show_source(obj, hide_checks=False):
    """返回 `obj`（类或函数）源码的高亮显示对象，放在单元格最后一行即可显示。

    `hide_checks=True` 时去掉参数检查（见 `without_checks`），页面只显示这一节要讲的代码；被去掉的每一处
    留一行注释，完整的源码在 nndl 包里。
    """
    source = inspect.getsource(obj)
    return Code(without_checks(source) if hide_checks else source, language="python")


class Table:
    """一张结果表：在网页和 Jupyter 里是真正的 HTML 表格（数字右对齐，可带标题），纯文本里是对齐的文本。

    `rows` 是若干行，每行与 `columns` 等长；单元格可以是字符串或数字。`formats` 把列名映射到格式串
    （如 `"{:.3f}"`），未给出的数字列用 `str`。宽表在网页上在自己的框内横向滚动，不会撑出正文。
    """

    def __init__(self, rows, columns, caption=None, formats=None):
        self.columns = [str(c) for c in columns]
        if not self.columns:
            raise ValueError("columns 不能为空")
        formats = dict(formats or {})
        unknown = set(formats) - set(self.columns)
        if unknown:
            raise ValueError(f"formats 里的列 {sorted(unknown)} 不在 columns 中")
        self.caption = caption
        self.rows, self.numeric = [], [True] * len(self.columns)
        for i, row in enumerate(rows):
            row = list(row)
            if len(row) != len(self.columns):
                raise ValueError(f"rows 的第 {i} 行有 {len(row)} 个单元格，columns 有 {len(self.columns)} 个")
            cells = []
            for j, (name, value) in enumerate(zip(self.columns, row)):
                is_number = isinstance(value, numbers.Number) and not isinstance(value, bool)
                self.numeric[j] &= is_number
                cells.append(formats[name].format(value) if name in formats and is_number else str(value))
            self.rows.append(cells)

    def __repr__(self):
        widths = [max(len(c), *(len(r[j]) for r in self.rows)) if self.rows else len(c)
                  for j, c in enumerate(self.columns)]

        def line(cells):
            return "  ".join(c.rjust(w) if num else c.ljust(w)
                             for c, w, num in zip(cells, widths, self.numeric)).rstrip()

        lines = ([self.caption] if self.caption else []) + [line(self.columns)] + [line(r) for r in self.rows]
        return "\n".join(lines)

    def _repr_html_(self):
        def cell(tag, text, num):
            style = ' style="text-align: right"' if num else ' style="text-align: left"'
            return f"<{tag}{style}>{html.escape(text)}</{tag}>"

        head = "".join(cell("th", c, num) for c, num in zip(self.columns, self.numeric))
        body = "".join("<tr>" + "".join(cell("td", c, num) for c, num in zip(r, self.numeric)) + "</tr>"
                       for r in self.rows)
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return (f'<div class="nndl-table" style="overflow-x: auto; max-width: 100%">'
                f'<table class="nndl-table">{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>')


def table(rows, columns, caption=None, formats=None):
    """`Table(rows, columns, caption, formats)` 的简写，放在单元格最后一行即可显示。"""
    return Table(rows, columns, caption, formats)
