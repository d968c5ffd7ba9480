"""Sphinx 扩展：去掉中文段落里源文件换行产生的空格。

Markdown 段落中的换行在 HTML 里显示为空格；英文需要这个空格，中文不需要（"结果，\\n页面" 会显示成 "结果， 页面"）。
本扩展在文档树读入后，把两侧都是中文字符（或前面是中文标点）的换行删掉；代码、公式和原始 HTML 不动。
"""

import re

from docutils import nodes

CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
PUNCT = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
BREAK = re.compile(rf"(?<=[{CJK}])[ \t]*\n[ \t]*(?=[{CJK}])|(?<=[{PUNCT}])[ \t]*\n[ \t]*")
SKIP = (nodes.FixedTextElement, nodes.literal, nodes.math, nodes.raw, nodes.comment)


def _skipped(node):
    parent = node.parent
    while parent is not None:
        if isinstance(parent, SKIP):
            return True
        parent = parent.parent
    return False


def _neighbour_char(parent, index, step):
    """相邻兄弟节点中紧挨着的那个字符（没有时为空串）。MyST 把软换行单独放在一个 Text 节点里。"""
    other = index + step
    if 0 <= other < len(parent):
        text = parent[other].astext()
        if text:
            return text[-1] if step < 0 else text[0]
    return ""


def remove_cjk_linebreaks(app, doctree):
    for text in list(doctree.findall(nodes.Text)):
        if "\n" not in text or _skipped(text):
            continue
        parent = text.parent
        index = parent.index(text)
        before, after = _neighbour_char(parent, index, -1), _neighbour_char(parent, index, 1)
        joined = BREAK.sub("", before + str(text) + after)
        new = joined[len(before):len(joined) - len(after)]
        if new != str(text):
            parent.replace(text, nodes.Text(new))


def setup(app):
    app.connect("doctree-read", remove_cjk_linebreaks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
