"""Sphinx 扩展：网站提供单独运行 notebook 所需的下载，以及列出它们的指令 `nndl-downloads`。

每次构建 HTML（`make book`、浏览器测试的构建）开始时，在输出目录的 `downloads/` 下生成：

- `nndl-<版本>-py3-none-any.whl`：由本仓库的 `pyproject.toml` 构建的 `nndl`（含 MNIST 与书中规模的保存结果：仓库的
  `data/mnist/`、`data/results/` 在包里是 `nndl/mnist/`、`nndl/results_data/`）。在临时目录里、不隔离地构建（用 `.venv` 里固定版本的 setuptools），不下载任何东西，也不在仓库里
  留下 `build/`；
- `requirements.txt`：`requirements-notebooks.txt` 的副本，运行 notebook 所需的固定版本；
- `nndl-notebooks-<版本>.zip`：`notebooks/` 下全部 notebook（带保存的 `quick` 输出，即 nbval 核对的输出）、
  练习 notebook（`practice/` 子目录，与仓库里的布局相同，所以各节 notebook 里的链接 `practice/….ipynb` 解压后照样可用）
  与 `requirements.txt`，放在目录 `nndl-notebooks-<版本>/` 里；
- `practice/<节>.ipynb`：练习 notebook 各自的副本。练习 notebook 不是网站的页面（不在 `_toc.yml` 里：它们的输出只是
  “还没有写”），各节页面上指向它的链接（`tools/make_practice.py` 插入的链接单元格，相对链接 `practice/<节>.ipynb`）
  在读入文档时改为指向这份副本（带类 `nndl-practice`），点击即下载；否则 MyST 会把它当作找不到的文档而警告。

页面里写 ```` ```{nndl-downloads} ```` ````，得到三个下载链接（带大小）和创建环境、安装、打开 JupyterLab 的命令；文件名里的版本来自
`nndl/__init__.py` 的 `__version__`，所以页面与 notebook 第一个单元格里的命令不会与 wheel 脱节。
`tests/system/test_offline.py` 从构建好的网站取这些文件，在仓库之外的新虚拟环境里安装并运行 notebook。
"""

import ast
import posixpath
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

ROOT = Path(__file__).resolve().parent.parent
FOLDER = "downloads"
REQUIREMENTS = "requirements.txt"
PRACTICE = "practice"  # 练习 notebook 的子目录：仓库里是 notebooks/practice/，网站上是 downloads/practice/


def nndl_version(root=ROOT):
    """`nndl/__init__.py` 里的 `__version__`（不导入 nndl：那会导入 Paddle）。"""
    tree = ast.parse((root / "nndl" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__version__" for t in node.targets):
            return ast.literal_eval(node.value)
    raise ExtensionError("nndl/__init__.py 里没有 __version__")


def file_names(version):
    return {"wheel": f"nndl-{version}-py3-none-any.whl", "requirements": REQUIREMENTS,
            "notebooks": f"nndl-notebooks-{version}.zip"}


def build_wheel(out_dir, root=ROOT):
    """在临时目录里从 pyproject.toml、nndl/、data/mnist/ 与 data/results/ 构建 wheel，放进 out_dir，返回其路径。"""
    with tempfile.TemporaryDirectory(prefix="nndl-wheel-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        shutil.copy2(root / "pyproject.toml", src)
        shutil.copytree(root / "nndl", src / "nndl", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for data in ("mnist", "results"):  # MNIST 与书中规模的保存结果（在 wheel 里是 nndl/mnist/、nndl/results_data/）
            shutil.copytree(root / "data" / data, src / "data" / data)
        command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
                   "--wheel-dir", str(tmp), str(src)]
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wheels = list(Path(tmp).glob("nndl-*.whl"))
        if result.returncode != 0 or len(wheels) != 1:
            raise ExtensionError(f"构建 nndl 的 wheel 失败（{' '.join(command)}，退出码 {result.returncode}）：\n"
                                 f"{result.stdout[-3000:]}")
        target = Path(out_dir) / wheels[0].name
        shutil.copy2(wheels[0], target)
    return target


def notebooks_to_ship(root=ROOT):
    """压缩包里的 notebook：`notebooks/` 下的全部与练习 notebook（`notebooks/practice/`），相对于 `notebooks/` 的路径。"""
    folder = Path(root) / "notebooks"
    return sorted(folder.glob("*.ipynb")) + sorted((folder / PRACTICE).glob("*.ipynb"))


def build_notebooks_zip(path, version, root=ROOT):
    top = f"nndl-notebooks-{version}"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for notebook in notebooks_to_ship(root):
            archive.write(notebook, f"{top}/{notebook.relative_to(Path(root) / 'notebooks').as_posix()}")
        archive.write(root / "requirements-notebooks.txt", f"{top}/{REQUIREMENTS}")
    return path


def copy_practice(out_dir, root=ROOT):
    """练习 notebook 的副本放进 `out_dir/practice/`，返回它们的文件名。"""
    target = Path(out_dir) / PRACTICE
    target.mkdir(parents=True, exist_ok=True)
    names = []
    for notebook in sorted((Path(root) / "notebooks" / PRACTICE).glob("*.ipynb")):
        shutil.copy2(notebook, target / notebook.name)
        names.append(notebook.name)
    return names


def link_practice(app, doctree):
    """各节页面上指向练习 notebook 的链接（MyST 把 `practice/x.ipynb` 当作文档引用，而练习 notebook 不是页面）改为
    指向网站提供的副本 `downloads/practice/x.ipynb`。"""
    here = posixpath.dirname(app.env.docname)
    for node in list(doctree.findall(addnodes.pending_xref)):
        target = node.get("reftarget", "")
        if not target.startswith(f"notebooks/{PRACTICE}/"):
            continue
        name = posixpath.basename(target) + ".ipynb"
        if not (ROOT / "notebooks" / PRACTICE / name).is_file():
            raise ExtensionError(f"{app.env.docname} 链接了不存在的练习 notebook {name}")
        uri = posixpath.relpath(f"{FOLDER}/{PRACTICE}/{name}", here or ".")
        node.replace_self(nodes.reference("", "", *node.children, refuri=uri, classes=["nndl-practice"]))


def build_downloads(app):
    if app.builder.format != "html":
        return
    version = nndl_version()
    names = file_names(version)
    out = Path(app.outdir) / FOLDER
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    wheel = build_wheel(out)
    if wheel.name != names["wheel"]:
        raise ExtensionError(f"wheel 的文件名是 {wheel.name}，期望 {names['wheel']}（版本或平台标签不符）")
    shutil.copy2(ROOT / "requirements-notebooks.txt", out / names["requirements"])
    build_notebooks_zip(out / names["notebooks"], version)
    copy_practice(out)
    app.env.nndl_downloads = {key: (name, (out / name).stat().st_size) for key, name in names.items()}


def _size(n):
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


class NndlDownloads(SphinxDirective):
    """三个下载链接（相对于本页）与一行安装命令。"""

    def run(self):
        files = getattr(self.env, "nndl_downloads", None)
        if not files:
            raise self.error("下载文件尚未生成（nndl-downloads 只用于 HTML 构建）")
        labels = {"wheel": "nndl 包（含 MNIST）", "requirements": "固定版本的依赖", "notebooks": "全部 notebook"}
        here = posixpath.dirname(self.env.docname)
        items = nodes.bullet_list()
        for key, label in labels.items():
            name, size = files[key]
            uri = posixpath.relpath(f"{FOLDER}/{name}", here or ".")
            link = nodes.reference("", name, refuri=uri, classes=["nndl-download"])
            para = nodes.paragraph("", "", nodes.Text(f"{label}："), nodes.literal("", "", link),
                                   nodes.Text(f"（{_size(size)}）"))
            items += nodes.list_item("", para)
        commands = "\n".join([
            "python3 -m venv .venv && source .venv/bin/activate    # Windows：.venv\\Scripts\\activate",
            f"pip install -r {files['requirements'][0]} {files['wheel'][0]}",
            "jupyter lab"])
        block = nodes.literal_block(commands, commands, language="bash")
        return [items, block]


def setup(app):
    app.connect("builder-inited", build_downloads)
    app.connect("doctree-read", link_practice)
    app.add_directive("nndl-downloads", NndlDownloads)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 2}
