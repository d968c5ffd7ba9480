"""Sphinx 扩展：MyST-NB 折叠单元格的提示用中文。

MyST-NB 的 `nb_code_prompt_show` / `nb_code_prompt_hide`（_config.yml 里设为中文）中的 `{type}` 会被换成英文词
（source、output、outputs、content），折叠框的 `<summary>` 还写死了英文的 aria-label（"Toggle hidden content"，
读屏软件会念出来）。本扩展换掉 MyST-NB 折叠框的 HTML 写法：`{type}` 换成的英文词译成中文，aria-label 用中文，
其余输出与 MyST-NB 的相同（同样的类名，主题的样式与脚本照常作用）。
"""

import re
from html import escape

from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput

# MyST-NB（myst_nb/sphinx_.py 的 HideInputCells）代入 {type} 的英文词 → 中文。
TYPE_WORDS = {"source": "代码", "output": "输出", "outputs": "输出", "content": "单元格"}
TYPE_WORD = re.compile(r"(?<![A-Za-z])(" + "|".join(sorted(TYPE_WORDS, key=len, reverse=True)) + r")(?![A-Za-z])")
SUMMARY_LABEL = "显示或隐藏折叠的内容"


def chinese_prompt(text):
    return TYPE_WORD.sub(lambda match: TYPE_WORDS[match.group(1)], text)


def visit_hidden_cell(self, node):
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n')
    self.body.append(f'<summary aria-label="{SUMMARY_LABEL}">\n')
    self.body.append(f'<p class="collapsed admonition-title">{escape(chinese_prompt(node["prompt_show"]))}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{escape(chinese_prompt(node["prompt_hide"]))}</p>\n')
    self.body.append("</summary>\n")


def setup(app):
    app.setup_extension("myst_nb")
    app.add_node(HideCodeCellNode, override=True, html=(visit_hidden_cell, depart_HideCellInput))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
