"""在 notebook 里展示：包内实现的源码（网页上显示的就是测试所检验的那份代码），以及结果表格。"""

import html
import inspect
import numbers

from IPython.display import Code


def show_source(obj):
    """返回 `obj`（类或函数）源码的高亮显示对象，放在单元格最后一行即可显示。"""
    return Code(inspect.getsource(obj), language="python")


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
