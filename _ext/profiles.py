"""Sphinx 扩展：`{nndl-profiles}` 指令——本章重实验的两种规模，一张表（节、缩小的是什么、quick、full）。

表里的每个数都来自 `nndl.profile.SIZES`（各节的实验配置读的也是它），页面因此不会与代码脱节。
"""

from sphinx.util.docutils import SphinxDirective

from nndl.profile import SECTION_TITLES, SIZES
from text_table import text_table

COLUMNS = ("节", "缩小的是什么", "quick", "full")


def rows():
    """表格的各行：`(节, 说明, quick, full)`，节只在它的第一行写出；数字用千位分隔符（对齐与断行见 nndl.css）。"""
    out = []
    for section, sizes in SIZES.items():
        for k, size in enumerate(sizes.values()):
            out.append((SECTION_TITLES[section] if k == 0 else "", size.meaning, f"{size.quick:,}", f"{size.full:,}"))
    return out


class ProfilesDirective(SphinxDirective):
    def run(self):
        return [text_table("两种规模：quick 缩小了什么（full 与书中相同）", COLUMNS, (15, 45, 20, 20), rows(),
                           ["nndl-profiles"], ids=["profiles-table"])]


def setup(app):
    app.add_directive("nndl-profiles", ProfilesDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
