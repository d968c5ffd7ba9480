"""正文测试（静态，不启动内核，几秒钟）：页面正文里的数字要么由运行算出，要么是该页声明过的常量。

读取 notebooks/ 下的每个 notebook 和 _toc.yml 列出的每个页面（.md 与 .ipynb），检查三件事：

1. **正文里手写的数字**：Markdown 单元格、book/*.md 页面，以及每个 ``prose(...)`` 模板的字面部分（f-string 中
   ``{…}`` 以外的文字；``{…}`` 换成“…”再检查：算出的值不算手写，``{…}`` 里的代码也不是正文）里的每个数字，都必须是该页在 tests/prose_constants.py 的
   ``CONSTANTS`` 里声明过的常量（每个常量附理由：书中的设置、书中报告的结果——正文须说明是书中的——、公式里的
   常数、性能页上注明日期的测量）。声明了却没有在该页出现的条目也算错（登记表不能积累过期的条目）。
2. **保存的输出与模板一致**：调用 ``prose(...)`` 的单元格必须已执行，且保存的 Markdown 输出按顺序包含模板的
   全部字面部分（改了句子却没有重新执行，这里就失败）。
3. **这类单元格的形式**：带标签 ``remove-input``，元数据有 ``"jupyter": {"source_hidden": true}``。

数字的写法：连续的阿拉伯数字，可带小数点与千分位逗号（``0.16``、``1,000``）；紧跟的 ``%``（可隔一个空格）算
数字的一部分，所以登记表里 ``"1%"`` 与 ``"1"`` 是两个不同的常量。

不算正文数字的（豁免）：

- ``$…$``、``$$…$$`` 公式里的数字，行内代码 ```…``` 与代码块里的数字，Markdown 链接与图片的目标
  ``](…)``、HTML 标签与注释、MyST 指令的选项行（``:width: 80%``）、页首的 front matter、MyST 标签 ``(name)=``；
- 书中的节号与练习编号：``7.3``、``7.3.1``、``7.3.4.2``（第 7 章的 ``7.`` 开头、后面不跟数字或 ``%``），
  其他章节的编号：``第 3 章``、``第 4.5.4 节``、``3.1.4.3 节``；
- 有序列表的编号（行首的 ``1.``）；
- 名字的一部分：紧贴拉丁或希腊字母的数字（``3D``、``AVX2``、``x1``、``ℓ2``、``ResNet-18``），软件的版本号与
  地址（``Paddle 3``、``Python 3.11``、``3.3.1``、``127.0.0.1``）；
- 年份与日期：``2019 年``、``(2019)``、``2026-11-29``。

公式里的数字豁免，是因为公式里多是常数与记号；这也意味着测试看不见写进 ``$…$`` 的运行结果（例如
``$f \approx 0.076$``）：这样的数同样要由 ``prose(...)`` 算出，不能手写。每个页面的数字按页登记、不分上下文，
所以一个数字在同一页既是设置又是结果时，测试分辨不出来——结果用法要改成 ``prose(...)`` 算出的值。
"""

import ast
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared helpers
sys.path.insert(0, str(ROOT / "tools"))

from prose_constants import CONSTANTS, MEASURED_PAGES  # noqa: E402
from toc import toc_files  # noqa: E402

# ---------------------------------------------------------------------------------------------------------------
# 找出正文里的数字

NUMBER = re.compile(r"(?<![\d.])\d+(?:,\d{3})*(?:\.\d+)?(?:\s?%)?")

# 先整段抹掉的部分（换成等长的空格，位置不变，报错时的上下文仍对得上）。顺序有关：代码块先于行内代码。
_BLANK = [
    re.compile(r"^(```|~~~)[^\n]*\n.*?^\1[ \t]*$", re.M | re.S),   # 代码块
    re.compile(r"\A---\n.*?\n---[ \t]*$", re.M | re.S),               # front matter
    re.compile(r"<!--.*?-->", re.S),                                  # HTML 注释
    re.compile(r"\$\$.*?\$\$", re.S),                                 # 行间公式
    re.compile(r"(?<![\\$])\$(?!\s)[^$\n]+?(?<![\s\\])\$"),           # 行内公式
    re.compile(r"(`+)[^`].*?\1", re.S),                               # 行内代码与角色的内容
    re.compile(r"\]\([^)]*\)"),                                       # 链接与图片的目标
    re.compile(r"<[^>\n]+>"),                                         # HTML 标签（属性里的数字）
    re.compile(r"^\s*:[\w-]+:.*$", re.M),                             # MyST 指令的选项行
    re.compile(r"^\([\w-]+\)=\s*$", re.M),                            # MyST 标签
    re.compile(r"\{[\w:-]+\}"),                                       # 角色与指令名，如 {dropdown}
]

# 数字本身豁免的情形：整个匹配被抹掉。
_EXEMPT = [
    re.compile(r"(?<![\d.])7(?:\.[1-9]\d?)+(?![\d%]|\.\d)"),          # 第 7 章的节号与练习编号
    re.compile(r"第\s*\d+(?:\.\d+)*\s*[章节]|\d+(?:\.\d+)+\s*节"),         # 第 3 章、第 4.5.4 节、3.1.4.3 节
    re.compile(r"^\s*\d+[.)]\s", re.M),                               # 有序列表
    re.compile(r"[A-Za-zα-ωΑ-Ωℓ_]+-?\d+|\d+[A-Za-z_]\w*"),          # 名字的一部分：3D、AVX2、x1、ℓ2、ResNet-18
    re.compile(r"\d+(?:\.\d+){2,}"),                                  # 版本号与地址：3.3.1、127.0.0.1
    re.compile(r"(?:Paddle|PaddlePaddle|Python|Jupyter Book|MyST-NB)\s*\d+(?:\.[\dx]+)*"),  # 软件版本
    re.compile(r"(?:19|20)\d{2}\s*年|(?<=[(（])(?:19|20)\d{2}(?=[)）])|\d{4}-\d{2}-\d{2}"),  # 年份与日期
]


def _blank(text, pattern):
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def prose_numbers(text):
    """正文 `text` 里需要登记的数字：[(数字, 上下文), …]；数字与百分号之间的空格去掉（"1 %" 记作 "1%"）。"""
    clean = text
    for pattern in _BLANK + _EXEMPT:
        clean = _blank(clean, pattern)
    found = []
    for m in NUMBER.finditer(clean):
        context = text[max(0, m.start() - 20):m.end() + 20].replace("\n", " ")
        found.append((re.sub(r"\s", "", m.group(0)), context))
    return found


# ---------------------------------------------------------------------------------------------------------------
# prose(...) 模板


def _is_prose_call(node):
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    return (isinstance(f, ast.Name) and f.id == "prose") or (isinstance(f, ast.Attribute) and f.attr == "prose")


def _template_parts(node):
    """模板表达式里顺序出现在输出中的字面部分（f-string 的字面片段、字符串常量、`+` 连接的两边）。"""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values if isinstance(v, ast.Constant)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _template_parts(node.left) + _template_parts(node.right)
    return []


def _template_text(node):
    """模板的文字：f-string 的 `{…}` 换成“…”（算出的值不算手写，`{…}` 里的代码也不是正文），`+` 连接的两边接起来，
    其他表达式里的字符串常量各自成段。公式 `$…$` 跨过 `{…}` 时仍然成对，数字的豁免不受影响。"""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "…" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _template_text(node.left) + _template_text(node.right)
    pieces = []

    def visit(n):
        if isinstance(n, (ast.Constant, ast.JoinedStr)):
            if isinstance(n, ast.JoinedStr) or isinstance(n.value, str):
                pieces.append(_template_text(n))
            return
        for child in ast.iter_child_nodes(n):
            visit(child)

    visit(node)
    return "\n".join(pieces)


def _parse_cell(source):
    # IPython 的魔法命令与 shell 命令不是 Python：换成空行再解析（行号不变）。
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    return ast.parse("\n".join(lines))


def prose_calls(source):
    """单元格源码里的 prose(...) 调用：[(顺序的字面部分, 模板的文字), …]，按源码顺序。"""
    try:
        tree = _parse_cell(source)
    except SyntaxError:
        return []
    calls = [n for n in ast.walk(tree) if _is_prose_call(n) and n.args]
    calls.sort(key=lambda n: (n.lineno, n.col_offset))
    return [(_template_parts(n.args[0]), _template_text(n.args[0])) for n in calls]


def _markdown_output(cell):
    texts = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if "text/markdown" in data:
            md = data["text/markdown"]
            texts.append("".join(md) if isinstance(md, list) else md)
    return "\n".join(texts)


# ---------------------------------------------------------------------------------------------------------------
# 一页的检查


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


# 书中规模（full）的一次运行得到的数字只能来自保存的结果（nndl.results，页面上由运行渲染或由指令读出）。整页登记为
# 测量的页面（性能页、维护者说明）不逐个登记数字，那里的规则是：谈到书中规模的结果（损失、准确率、判定……）的一句
# 话里手写的数字，只能是写明了日期的一次测量；书中的设置（回合数、图像数）与用时照常可写。
FULL_SCALE = re.compile(r"full 规模|书中规模|书中完整的")
RESULT_WORDS = re.compile(r"损失|准确率|成立|判定|最低|最高|落后|领先")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def full_scale_numbers(text):
    """`text` 中谈到书中规模的结果、手写了数字却没有写明日期的句子（每句一条说明）。"""
    found = []
    for paragraph in re.split(r"\n\s*\n", text):
        if not FULL_SCALE.search(paragraph) or DATE.search(paragraph):
            continue
        for sentence in re.split(r"(?<=[。；])", paragraph):
            typed = prose_numbers(sentence) if RESULT_WORDS.search(sentence) else []
            if typed:
                found.append(f"谈到书中规模结果的一句手写了数字 {[n for n, _ in typed][:5]}，却不是注明日期的测量："
                             f"一次运行的结果要由保存的结果（nndl.results）算出 …{typed[0][1]}…")
    return found


def check_page(path, page, constants, measured=False):
    """检查一页（notebook 或 Markdown 页面）的正文；返回问题列表（字符串），空列表表示通过。

    `path` 是文件，`page` 是它在登记表里的名字（相对项目根目录），`constants` 是该页的登记
    （数字 → 理由）；`measured` 为真时整页的数字都是注明日期的测量（只检查 prose 单元格的形式与输出）。
    """
    path = Path(path)
    allowed = dict(constants or {})
    problems, used = [], set()

    def numbers(where, text):
        if measured:
            problems.extend(f"{page} {where}: {problem}" for problem in full_scale_numbers(text))
            return
        for number, context in prose_numbers(text):
            used.add(number)
            if number not in allowed:
                problems.append(f"{page} {where}: 手写的数字 {number!r} 既不是算出的，也没有登记为常量："
                                f"…{context}…")

    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        for i, cell in enumerate(nb["cells"]):
            source = _source(cell)
            if cell["cell_type"] == "markdown":
                numbers(f"单元格 {i}（Markdown）", source)
            elif cell["cell_type"] == "code":
                calls = prose_calls(source)
                if not calls:
                    continue
                where = f"单元格 {i}（prose）"
                for _, text in calls:
                    numbers(where, text)
                tags = cell.get("metadata", {}).get("tags", [])
                if "remove-input" not in tags:
                    problems.append(f"{page} {where}: 缺少标签 remove-input（网页上应只显示渲染出的句子）")
                if not cell.get("metadata", {}).get("jupyter", {}).get("source_hidden"):
                    problems.append(f"{page} {where}: 元数据缺少 \"jupyter\": {{\"source_hidden\": true}}")
                output = _markdown_output(cell)
                if not output:
                    problems.append(f"{page} {where}: 没有保存的 Markdown 输出（单元格未执行？）")
                    continue
                position = 0
                for parts, _ in calls:
                    for part in parts:
                        found = output.find(part, position)
                        if found < 0:
                            problems.append(f"{page} {where}: 保存的输出里找不到模板的字面部分 {part!r}"
                                            "（改了句子却没有重新执行？）")
                            break
                        position = found + len(part)
    else:
        numbers("", path.read_text(encoding="utf-8"))

    for number in sorted(set(constants or {}) - used):
        problems.append(f"{page}: 登记的常量 {number!r} 在该页正文里没有出现（删去过期的登记）")
    return problems


# ---------------------------------------------------------------------------------------------------------------
# 全站


def site_pages():
    """全站的页面（相对路径）：notebooks/ 下的全部 notebook，加上 _toc.yml 列出的全部页面。"""
    files = toc_files(ROOT)
    pages = set()
    for f in files:
        for suffix in (".md", ".ipynb"):
            if (ROOT / (f + suffix)).exists():
                pages.add(f + suffix)
                break
        else:
            raise FileNotFoundError(f"_toc.yml 里的 {f} 找不到对应的 .md 或 .ipynb")
    pages.update(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("*.ipynb"))
    return sorted(pages)


SITE = site_pages()


@pytest.mark.parametrize("page", SITE)
def test_page_prose(page):
    problems = check_page(ROOT / page, page, CONSTANTS.get(page, {}),
                          measured=page in MEASURED_PAGES)
    assert not problems, "\n".join(problems)


def test_a_typed_full_scale_result_fails_on_a_measured_page():
    """把 issue 30 之前性能页上那句手写的书中规模结果放回去，测试必须失败；注明日期的测量照常通过。"""
    typed = "书中规模的 7.2 实验：各配置最后一个回合的损失，批大小 16 为 0.0092，256 为 0.0132。"
    assert full_scale_numbers(typed)
    assert not full_scale_numbers("full 规模（书中完整的 7.2 实验）2026-11-25 实测：13.1 min。")
    assert not full_scale_numbers("书中规模的结果见 7.2 节。")


def test_registry_names_real_pages():
    for registry in (CONSTANTS, MEASURED_PAGES):
        assert set(registry) <= set(SITE), f"登记表里有不存在的页面：{sorted(set(registry) - set(SITE))}"
    for page, entries in CONSTANTS.items():
        for number, reason in entries.items():
            assert prose_numbers(number) and prose_numbers(number)[0][0] == number, \
                f"{page}: 登记的 {number!r} 不是测试识别的数字写法"
            assert isinstance(reason, str) and reason.strip(), f"{page}: 常量 {number!r} 没有写理由"
    for page in MEASURED_PAGES:
        assert page not in CONSTANTS, f"{page} 已整页登记为测量，不必再逐个登记数字"


# ---------------------------------------------------------------------------------------------------------------
# 检查器本身：issue 17 的三个例子放回页面，测试必须失败；豁免与输出核对各有一例。


def _page_with_extra_cell(tmp_path, page, cell):
    """把 `cell` 加到真实页面 `page` 的末尾，写到 tmp_path 里；返回新文件。"""
    nb = json.loads((ROOT / page).read_text(encoding="utf-8"))
    nb["cells"].append(cell)
    out = tmp_path / Path(page).name
    out.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    return out


def _markdown_cell(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _prose_cell(source, rendered, tags=("remove-input",), hidden=True):
    metadata = {"tags": list(tags)}
    if hidden:
        metadata["jupyter"] = {"source_hidden": True}
    outputs = [] if rendered is None else [
        {"output_type": "execute_result", "execution_count": 1, "metadata": {},
         "data": {"text/markdown": rendered, "text/plain": "<IPython.core.display.Markdown object>"}}]
    return {"cell_type": "code", "execution_count": 1, "metadata": metadata, "outputs": outputs, "source": source}


def _new_problems(tmp_path, page, cell):
    """把 `cell` 放回页面后新出现的问题。"""
    constants = CONSTANTS.get(page, {})
    before = set(check_page(ROOT / page, page, constants))
    after = check_page(_page_with_extra_cell(tmp_path, page, cell), page, constants)
    return [p for p in after if p not in before]


@pytest.mark.parametrize("page, text, numbers", [
    # 7.3.4：Momentum 从未进入 (0,0) 的盆地，第 7 步是手写的（表中最近点在第 5 步）。
    ("notebooks/7-3-4-3d-comparison.ipynb",
     "Momentum 冲过 (0,0) 所在的盆地，最晚在第 7 步已越出包含 (0,0) 的那块区域。", ["7"]),
    # 动手练习 7.2：表中每回合相差 13%、6.5%、2.7%……，正文却写“之后相差不到 1%”。
    ("notebooks/7-2-exercises.ipynb",
     "两种设置的曲线几乎重合（第一个回合设置 2 略快，之后相差不到 1%），都比基准慢。", ["1%"]),
    # 动手练习 7.5：运行有 64 步、缩小 0.06%，正文写 126 步约 0.1%。
    ("notebooks/7-3-exercises.ipynb",
     "权重的缩小正比于 $\\alpha\\lambda$ 乘以步数（quick profile 的 126 步约 0.1%），正如上面的检查。",
     ["126", "0.1%"]),
])
def test_issue_examples_put_back_fail(tmp_path, page, text, numbers):
    problems = _new_problems(tmp_path, page, _markdown_cell(text))
    for number in numbers:
        assert any(f"手写的数字 {number!r}" in p for p in problems), (number, problems)


def test_typed_number_in_prose_template_fails(tmp_path):
    # 同一句话写成 prose(...)，但 0.1% 仍是手写在模板里的：也要失败。
    source = 'prose(f"quick profile 的 {steps} 步约 0.1%，正如上面的检查。")'
    problems = _new_problems(tmp_path, "notebooks/7-3-exercises.ipynb",
                             _prose_cell(source, "quick profile 的 64 步约 0.1%，正如上面的检查。"))
    assert any("手写的数字 '0.1%'" in p for p in problems), problems


def test_prose_output_must_match_template(tmp_path):
    page = "notebooks/7-3-exercises.ipynb"
    source = 'prose(f"权重缩小了 {shrink:.2%}，共 {steps} 步。")'
    assert not _new_problems(tmp_path, page, _prose_cell(source, "权重缩小了 0.06%，共 64 步。"))
    # 改了模板（“缩小” → “增大”）却没有重新执行：保存的输出仍是旧句子。
    edited = source.replace("缩小", "增大")
    problems = _new_problems(tmp_path, page, _prose_cell(edited, "权重缩小了 0.06%，共 64 步。"))
    assert any("找不到模板的字面部分" in p for p in problems), problems
    # 没有执行过、缺少标签或折叠元数据，也都算错。
    assert any("没有保存的 Markdown 输出" in p for p in _new_problems(tmp_path, page, _prose_cell(source, None)))
    assert any("remove-input" in p for p in _new_problems(
        tmp_path, page, _prose_cell(source, "权重缩小了 0.06%，共 64 步。", tags=())))
    assert any("source_hidden" in p for p in _new_problems(
        tmp_path, page, _prose_cell(source, "权重缩小了 0.06%，共 64 步。", hidden=False)))


def test_exemptions_and_detection():
    exempt = ("见 7.3.1 节与动手练习 7.5，第 3 章，第 4.5.4 节；公式 $x_1 = 0.92^{20}$，代码 `lr=0.16`，"
              "[链接](../notebooks/7-3-5-comparison.ipynb)，3D、AVX2、ℓ2、Paddle 3.3.1，"
              "Loshchilov 与 Hutter（2019），2026-11-29。\n1. 第一项")
    assert prose_numbers(exempt) == []
    found = [n for n, _ in prose_numbers("第 5 步离 (0,0) 最近，相距 1.22；损失低 7.25%，相差 13 %。")]
    assert found == ["5", "0", "0", "1.22", "7.25%", "13%"]


def test_unused_constant_is_reported(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("批大小 16。", encoding="utf-8")
    assert check_page(page, "page.md", {"16": "书中的设置"}) == []
    assert any("没有出现" in p for p in check_page(page, "page.md", {"16": "书中的设置", "32": "书中的设置"}))


def test_prose_renders_markdown_and_names_bad_argument():
    from IPython.display import Markdown

    from nndl.show import prose

    shown = prose("相距 1.22（第 5 步）")
    assert isinstance(shown, Markdown) and shown.data == "相距 1.22（第 5 步）"
    with pytest.raises(TypeError, match="text"):
        prose(1.22)
