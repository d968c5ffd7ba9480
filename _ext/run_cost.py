"""Sphinx 扩展：`{nndl-run-cost}` 指令——每个 notebook 执行一遍要多久，quick 与 full 两种规模并列。

- quick 一栏取自本次构建：MyST-NB 执行每个 notebook 后记下的用时（与 MyST-NB 的 `{nb-exec-table}` 同一份执行统计；
  那个指令的表头是英文、也没有 full 一栏，所以这里自己排表）。构建若没有执行 notebook（渲染保存的输出，
  `make test` 的浏览器测试这样构建），这一栏为“—”，表下说明原因；
- full 一栏取自指令参数给出的数据文件（相对于配置目录）：`make book PROFILE=full` 那次构建的执行统计，连同机器、
  日期与当时机器上的其他负载；那次构建没有执行完的 notebook 在数据文件里记为 null，表里写“未测完”，合计写“至少”；
- 行按目录（_toc.yml）的顺序，每个 notebook 一行，最后一行是合计。数据文件缺了某个 notebook 或多出一个目录里
  没有的 notebook 时构建报错（-W），表就不会悄悄缺行。
"""

import posixpath
from pathlib import Path

import yaml
from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from myst_nb.sphinx_ import NbMetadataCollector

logger = logging.getLogger(__name__)

# MyST-NB 的 env-updated 回调按这个键找出含执行统计表的页面：notebook 重新执行后这些页面也重写。
EXEC_TABLE_KEY = "has_exec_table"
NOT_RUN = "—"
NOT_MEASURED = "未测完"  # 数据文件里这个 notebook 的用时为 null：那次 full 构建在它执行完之前停止了


class RunCostNode(nodes.General, nodes.Element):
    """占位节点：所有 notebook 执行完之后（写出阶段）才换成表格。"""


class RunCostDirective(SphinxDirective):
    required_arguments = 1  # full 规模用时的数据文件，相对于配置目录

    def run(self):
        path = Path(self.env.app.confdir) / self.arguments[0]
        if not path.is_file():
            raise self.error(f"nndl-run-cost：找不到 full 规模用时的数据文件 {path}")
        self.env.note_dependency(str(path))
        NbMetadataCollector.set_doc_data(self.env, self.env.docname, EXEC_TABLE_KEY, True)
        return [RunCostNode(data_path=str(path))]


def duration(seconds):
    """用时的中文写法：12 秒、3 分 05 秒、1 小时 02 分。"""
    seconds = round(seconds)
    if seconds == 0:
        return "不到 1 秒"
    if seconds < 60:
        return f"{seconds} 秒"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} 分 {seconds:02d} 秒"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} 小时 {minutes:02d} 分"


def toc_order(env):
    """从首页起按目录顺序列出全部页面。"""
    order, stack = [], [env.config.root_doc]
    while stack:
        docname = stack.pop()
        if docname in order:
            continue
        order.append(docname)
        stack.extend(reversed(env.toctree_includes.get(docname, [])))
    return order


def notebooks_in_toc(env):
    return [name for name in toc_order(env) if str(env.doc2path(name)).endswith(".ipynb")]


def paragraph(text):
    """一段文字；反引号括起的部分排成行内代码（如命令 make book）。"""
    node = nodes.paragraph()
    for index, part in enumerate(text.split("`")):
        if part:
            node += nodes.literal(text=part) if index % 2 else nodes.Text(part)
    return node


def build_table(env, docname, data):
    notebooks = notebooks_in_toc(env)
    full = data.get("seconds") or {}
    missing, extra = set(notebooks) - set(full), set(full) - set(notebooks)
    if missing or extra:
        logger.warning(f"nndl-run-cost：数据文件与目录中的 notebook 不一致（缺 {sorted(missing)}，多 {sorted(extra)}）",
                       location=docname)
    doc_data = NbMetadataCollector.get_doc_data(env)
    quick = {name: (doc_data[name].get("exec_data") or {}).get("runtime") for name in notebooks}
    executed = any(value is not None for value in quick.values())

    # 有标题的表格要有 id（Sphinx 给带标题的表格编号时找它，没有就警告）。
    table = nodes.table(classes=["nndl-run-cost", "executed" if executed else "not-executed"], ids=["run-cost-table"])
    table += nodes.title(text="各 notebook 执行一遍的用时")
    group = nodes.tgroup(cols=3)
    table += group
    for width in (50, 25, 25):
        group += nodes.colspec(colwidth=width)
    head, body = nodes.thead(), nodes.tbody()
    group += head
    group += body

    def row(cells, parent):
        line = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            entry += cell if isinstance(cell, nodes.Element) else paragraph(cell)
            line += entry
        parent += line

    row(["页面", "quick（本次构建）", "full（测量一次）"], head)
    for name in notebooks:
        link = pending_xref("", nodes.inline(text=name), refdoc=docname, refdomain="std", reftype="doc",
                            reftarget=posixpath.relpath(name, posixpath.dirname(docname)), refexplicit=False,
                            refwarn=True)
        quick_text = NOT_RUN if quick[name] is None else duration(quick[name])
        full_text = NOT_MEASURED if full.get(name) is None else duration(full[name])
        row([nodes.paragraph("", "", link), quick_text, full_text], body)
    quick_total = sum(value for value in quick.values() if value is not None)
    measured = [full[name] for name in notebooks if full.get(name) is not None]
    if not measured:
        full_total = NOT_MEASURED
    elif len(measured) < len(notebooks):
        full_total = f"至少 {duration(sum(measured))}"
    else:
        full_total = duration(sum(measured))
    row(["合计", duration(quick_total) if executed else NOT_RUN, full_total], body)

    notes = [paragraph(f"full 一栏：{data['date']}，{data['machine']}；{data['load'].rstrip('。')}。")]
    if not executed:
        notes.append(paragraph("本次构建的网站没有执行 notebook，渲染的是保存的输出，所以 quick 一栏是空的；"
                               "执行 notebook 构建的网站在这一栏给出本次执行的用时。"))
    container = nodes.container(classes=["nndl-run-cost-block"])
    container += table
    container.extend(notes)
    return container


class RunCostTransform(SphinxPostTransform):
    default_priority = 8  # 在解析交叉引用（10）之前：表中指向各页的链接还要解析

    def run(self, **kwargs):
        for node in list(self.document.findall(RunCostNode)):
            data = yaml.safe_load(Path(node["data_path"]).read_text(encoding="utf-8"))
            node.replace_self(build_table(self.env, self.env.docname, data))


def setup(app):
    app.setup_extension("myst_nb")
    app.add_node(RunCostNode)
    app.add_directive("nndl-run-cost", RunCostDirective)
    app.add_post_transform(RunCostTransform)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
