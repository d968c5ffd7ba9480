/*
 * 本站搜索结果的打分（Sphinx 的 html_search_scorer，构建时写进 language_data.js，替换 searchtools.js 的 Scorer）。
 * 各项分数与 Sphinx 7.4.7 的默认值相同；另加一条：页面标题（书中的节名）含有全部查询词的结果加 5 分，
 * 于是查「批大小」时「7.2 批大小的调整实验」排在同样在小节标题里出现这个词的「7.2 动手练习」之前。
 * 查询词按本站的 splitQuery（_ext/zh_search.py）切分，与搜索本身一致。
 */
var Scorer = {
  score: (result) => {
    const [docName, , , , score] = result;
    const query = new URLSearchParams(window.location.search).get("q") || "";
    const words = splitQuery(query.toLowerCase());
    const index = Search._index;
    const pageTitle = (index.titles[index.docnames.indexOf(docName)] || "").toLowerCase();
    return score + (words.length > 0 && words.every((word) => pageTitle.includes(word)) ? 5 : 0);
  },
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: {0: 15, 1: 5, 2: -5},
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};
