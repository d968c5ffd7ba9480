"""Sphinx 扩展：书中规模的保存结果（`nndl.results`）在 Markdown 页面上的两个指令。

- `{nndl-stored-results}`：每个重实验一行——它是什么、哪些页面用它、几个配置、训练的墙钟时间、日期、机器与工作
  进程数。[性能](performance.md)一页用它，数字因此与页面上用的保存结果是同一份。
- `{nndl-book-claims} <节>`：该节书中结论在书中规模上的判定与余量（与 notebook 页面“书中规模的结果”一节用的
  是同一个函数）。[与原书的差异](departures.md)一页用它，不再手写一次运行的数字。
"""

from sphinx.util.docutils import SphinxDirective

from nndl.results import stored
from nndl.sections import s7_6_regularization
from nndl.sections.experiments import EXPERIMENTS
from nndl.show import VERDICT
from text_table import text_table

# 节 → 在书中规模上判定该节书中结论的函数（返回 nndl.show.Claim 的列表）
BOOK_CLAIMS = {
    "7.6": lambda: s7_6_regularization.claims(stored("7.6-regularization")),
}


def stored_rows():
    out = []
    for name, experiment in EXPERIMENTS.items():
        book = stored(name)
        p = book.provenance
        wall = "未记录" if p.wall_time is None else f"{p.wall_time / 60:.1f} 分钟"
        out.append((experiment.title, "、".join(experiment.notebooks), str(len(book)), wall, p.date,
                    f"{p.machine['cpu']}（{p.machine['cores']} 核），{p.workers} 个工作进程"))
    return out


class StoredResultsDirective(SphinxDirective):
    def run(self):
        columns = ("实验", "页面", "配置", "墙钟时间", "日期（UTC）", "机器")
        return [text_table("书中规模的保存结果", columns, (30, 20, 6, 10, 12, 22), stored_rows(), ["nndl-stored-results"])]


class BookClaimsDirective(SphinxDirective):
    required_arguments = 1

    def run(self):
        section = self.arguments[0]
        if section not in BOOK_CLAIMS:
            raise self.error(f"nndl-book-claims：没有第 {section} 节的判定（可选：{', '.join(BOOK_CLAIMS)}）")
        rows = [(c.text, VERDICT[c.holds], c.margin) for c in BOOK_CLAIMS[section]()]
        return [text_table(f"{section} 节书中的结论：书中规模上的判定", ("结论", "判定", "余量"), (60, 12, 28), rows,
                       ["nndl-book-claims"])]


def setup(app):
    app.add_directive("nndl-stored-results", StoredResultsDirective)
    app.add_directive("nndl-book-claims", BookClaimsDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
