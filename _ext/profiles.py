"""Sphinx 扩展：`{nndl-profiles}` 指令——本章重实验的两种规模，一张表（节、缩小的是什么、quick、full）。

表里的每个数都来自 `nndl.profile.SIZES`（各节的实验配置读的也是它），页面因此不会与代码脱节。
"""

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from nndl.profile import SECTION_TITLES, SIZES

COLUMNS = ("节", "缩小的是什么", "quick", "full")


def rows():
    """表格的各行：`(节, 说明, quick, full)`，节只在它的第一行写出；数字用千位分隔符（对齐与断行见 nndl.css）。"""
    out = []
    for section, sizes in SIZES.items():
        for k, size in enumerate(sizes.values()):
            out.append((SECTION_TITLES[section] if k == 0 else "", size.meaning, f"{size.quick:,}", f"{size.full:,}"))
    return out


def _row(cells, parent):
    line = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        entry += nodes.paragraph(text=cell)
        line += entry
    parent += line


class ProfilesDirective(SphinxDirective):
    def run(self):
        table = nodes.table(classes=["nndl-profiles"], ids=["profiles-table"])
        table += nodes.title(text="两种规模：quick 缩小了什么（full 与书中相同）")
        group = nodes.tgroup(cols=len(COLUMNS))
        table += group
        for width in (15, 45, 20, 20):
            group += nodes.colspec(colwidth=width)
        head, body = nodes.thead(), nodes.tbody()
        group += head
        group += body
        _row(COLUMNS, head)
        for cells in rows():
            _row(cells, body)
        return [table]


def setup(app):
    app.add_directive("nndl-profiles", ProfilesDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
