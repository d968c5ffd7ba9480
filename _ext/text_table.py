"""本项目几个指令共用的 docutils 表格：标题、列宽，每一格是一段纯文本。"""

from docutils import nodes


def text_table(title, columns, widths, rows, classes, ids=()):
    """表头 `columns`，各行 `rows`（每行一串文字），列宽按 `widths` 的比例。"""
    table = nodes.table(classes=list(classes), ids=list(ids))
    table += nodes.title(text=title)
    group = nodes.tgroup(cols=len(columns))
    table += group
    for width in widths:
        group += nodes.colspec(colwidth=width)
    head, body = nodes.thead(), nodes.tbody()
    group += head
    group += body
    for parent, cells in [(head, columns), *((body, row) for row in rows)]:
        line = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            entry += nodes.paragraph(text=cell)
            line += entry
        parent += line
    return table
