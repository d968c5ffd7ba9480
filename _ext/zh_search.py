"""Sphinx 扩展：让网站的搜索找得到中文词。

Sphinx 的中文搜索（`sphinx.search.zh`）在构建时用 jieba 的 `cut_for_search` 切分正文，建成索引（searchindex.js）：
索引里的每个词都是 jieba 切出的词（单字不进索引）。浏览器里的搜索页（searchtools.js）却不认识中文：默认的
`splitQuery` 只在空格和标点处断开，一整段中文（如「学习率衰减」）就是一个查询词，只有索引里恰好有这个词（或
包含它的词）时才有结果；「Adam偏差修正」这样中英相连的查询也成了一个词。本扩展做两件事：

1. `html_search_options` 的 `dict`（本章术语的用户词典，jieba 的格式：一行一个词，不能有注释）与
   `html_search_scorer`（本站的打分，见 zh_search_scorer.js）按配置目录解析成绝对路径，文件不存在时报错——
   Sphinx 自己只在当前目录下找，词典找不到时不声不响地不用它；
2. 换上一个懂中文的 `splitQuery`（写进 language_data.js）：先在汉字与非汉字之间断开，一段汉字若本身是索引里的
   词（或三个字以上、是索引里某个词的一部分，Sphinx 会做部分匹配）就原样查，否则按索引里的词做正向最大匹配
   （每次取索引中最长的前缀词）。匹配不上的字：单独一个（如「批大小的」里的「的」）丢掉，与索引一致——单字本来
   就不进索引；连续几个（如「强化学习」里的「强化」）合成一个查询词，它不在索引里，整个查询就没有结果，而不是
   只按「学习」去找。于是查询词与构建时 jieba 切出的词对得上，多个词按 Sphinx 的
   规则同时出现才算命中。
"""

import logging
from pathlib import Path

from sphinx.errors import ConfigError
from sphinx.search.zh import SearchChinese

# 查询时在浏览器里运行（Search._index 是已载入的 searchindex.js：terms 为正文词、titleterms 为标题词）。
JS_SPLITTER = r"""
var splitQuery = (query) => {
  const index = (typeof Search !== "undefined" && Search._index) || {terms: {}, titleterms: {}};
  const known = (word) => Object.prototype.hasOwnProperty.call(index.terms, word)
    || Object.prototype.hasOwnProperty.call(index.titleterms, word);
  const partOfTerm = (word) => Object.keys(index.terms).concat(Object.keys(index.titleterms))
    .some((term) => term.includes(word));
  const words = [];
  for (const part of query.split(/[^\p{Letter}\p{Number}_\p{Emoji_Presentation}]+/gu)) {
    for (const run of part.match(/\p{Script=Han}+|[^\p{Script=Han}]+/gu) || []) {
      // 非汉字、索引里的词、索引里某个词的一部分（Sphinx 对三个字以上的查询词做部分匹配）：原样查。
      if (!/\p{Script=Han}/u.test(run) || known(run) || (run.length > 2 && partOfTerm(run))) {
        words.push(run);
        continue;
      }
      // 正向最大匹配；连续几个匹配不上的字合成一个查询词（查不到，整个查询因此没有结果），只剩一个字时丢掉。
      let unknown = "";
      const flush = () => { if (unknown.length > 1) words.push(unknown); unknown = ""; };
      for (let start = 0; start < run.length;) {
        let end = run.length;
        while (end > start + 1 && !known(run.slice(start, end))) end--;
        if (end > start + 1) { flush(); words.push(run.slice(start, end)); } else unknown += run[start];
        start = end;
      }
      flush();
    }
  }
  return words;
};
"""


class SearchChineseQuery(SearchChinese):
    """Sphinx 的中文搜索，加上浏览器端与索引一致的中文查询切分。"""

    js_splitter_code = JS_SPLITTER


def _existing(app, value, name):
    path = Path(value)
    if not path.is_absolute():
        path = Path(app.confdir) / path
    if not path.is_file():
        raise ConfigError(f"{name}：找不到文件 {path}")
    return str(path)


def resolve_paths(app, config):
    """Sphinx 在当前目录下找这两个文件（词典找不到时不声不响地不用）：改为相对于配置目录，找不到就报错。"""
    options = dict(config.html_search_options or {})
    if "dict" in options:
        options["dict"] = _existing(app, options["dict"], "html_search_options['dict']（jieba 的用户词典）")
        config.html_search_options = options
    if config.html_search_scorer:
        config.html_search_scorer = _existing(app, config.html_search_scorer, "html_search_scorer")


def setup(app):
    # jieba 载入词典时往 stderr 打印几行进度（"Building prefix dict ..."），构建日志里不需要。
    import jieba

    jieba.setLogLevel(logging.WARNING)
    app.add_search_language(SearchChineseQuery)
    app.connect("config-inited", resolve_paths)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
