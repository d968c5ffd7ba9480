"""在真实浏览器里检查构建好的网站（_build/html）。

- 网站不存在或比源文件旧时先构建（与 `make book` 相同的命令，警告即错误）；否则直接复用。设置
  `NNDL_SITE_STORED_OUTPUTS=1`（`make test` 这样做）时构建不重新执行 notebook，而是渲染保存的输出——同一次
  `make test` 里 nbval 刚刚核对过这些输出，省下第二遍执行全部 notebook 的时间；`make book` 总是重新执行；
- 在 127.0.0.1 的空闲端口上用 http.server 提供 _build/html；
- 用 selenium + /usr/bin/chromedriver 驱动无头 Chromium 打开每个页面，从 performance 日志（CDP Network 事件）
  收集所有请求，逐页断言：没有请求离开 127.0.0.1、没有请求失败、没有控制台错误、MathJax 排版了全部公式
  （有 `mjx-container`，没有 `mjx-merror`）、每张图片都已加载（naturalWidth > 0）；7.3.4 页的 <video> 在播放
  （currentTime 增加）；
- 每个章节页面的整页截图保存在 _build/screenshots/；
- 版面宽度（`test_content_fits_column`）：在 1280 px 的桌面窗口和 390 px 的手机视口下，正文里没有元素超出正文栏，
  代码单元的纯文本输出（stream、text/plain）没有被截断（内容比它的框宽）；只有表格和源码可以在自己的框内横向
  滚动，且这个框本身不超出正文栏。有表格（或有问题）的页面在两种宽度下的截图保存在
  _build/screenshots/<宽度>px/；
- 界面是中文（在 `test_page_in_browser` 里逐页检查）：页面上主题、MyST-NB、复制按钮等显示或读屏软件念出的文字
  （正文、代码、输出、公式和指向各页各节的链接之外的文本，以及 title、aria-label、placeholder 等属性）没有一条
  只有英文，`UI_ENGLISH_KEPT` 列出的几条除外（每条写明为什么留着）；
- 搜索（`test_search_typed`、`test_search_finds_nothing`）：像读者一样点开搜索框、逐字键入查询、回车，等搜索页
  给出结果：每个查询期望的页面在前三条结果里，不该有结果的查询没有结果；每个查询的第一条结果打印出来；
- 简介页的“运行一遍要多久”（`test_run_cost_table`）：目录里每个 notebook 一行，full 一栏是测得的用时（或写明那次
  测量没有跑到它），quick 一栏在执行了 notebook 的构建里都有用时、在渲染保存输出的构建里都为空并说明原因；
  表格在两种宽度下放得进正文栏由 `test_content_fits_column` 检查；
- 简介页的“两种规模”（`test_profiles_table_shows_the_registry`）：表中的每一行就是 `nndl.profile.SIZES` 的一项。
"""

import base64
import functools
import http.server
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from toc import toc_files  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "_build"
HTML = BUILD / "html"
STAMP = BUILD / ".book-ok"  # `make book` 与本测试在构建成功后更新它
SCREENSHOTS = BUILD / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
MAX_PAGE_BYTES = 3 * 1024 * 1024
VIDEO_PAGE = "notebooks/7-3-4-3d-comparison"
# 除目录中的页面之外，Sphinx 还生成这些页面。
EXTRA_PAGES = ["index", "genindex", "search"]


def toc_docnames():
    """_toc.yml 中按顺序列出的所有页面（不带扩展名）。"""
    names = toc_files(ROOT)
    return [str(Path(name).with_suffix("")) if Path(name).suffix in (".md", ".ipynb") else name
            for name in names]


def source_files():
    patterns = ["_config.yml", "_toc.yml", "book/**/*.md", "book/_static/*", "notebooks/*.ipynb", "nndl/**/*.py",
                "_ext/*.py", "_ext/*.js", "book/_search/*", "book/_templates/*", "book/_locales/**/*.po",
                "book/_data/*", "pyproject.toml", "requirements-notebooks.txt"]  # the last two: the site's downloads
    return [p for pattern in patterns for p in ROOT.glob(pattern) if p.is_file()]


def site_is_current():
    if not (STAMP.is_file() and (HTML / "index.html").is_file()):
        return False
    newest = max(p.stat().st_mtime for p in source_files())
    return STAMP.stat().st_mtime >= newest


def stored_outputs_config():
    """_config.yml 的一份副本（写在 _build/ 下），只改为不执行 notebook、渲染保存的输出。"""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config["execute"]["execute_notebooks"] = "off"
    # 本地扩展的路径相对于配置文件所在目录解析，副本不在根目录，所以写成绝对路径
    extensions = config["sphinx"]["local_extensions"]
    config["sphinx"]["local_extensions"] = {name: str((ROOT / path).resolve()) for name, path in extensions.items()}
    BUILD.mkdir(exist_ok=True)
    path = BUILD / "config-stored-outputs.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def build_site():
    """与 `make book` 相同：删掉旧网站，执行全部 notebook（NNDL_SITE_STORED_OUTPUTS=1 时渲染保存的输出），
    以警告即错误构建网站。"""
    STAMP.unlink(missing_ok=True)
    shutil.rmtree(HTML, ignore_errors=True)
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    env = dict(os.environ)
    env.setdefault("NNDL_PROFILE", "quick")
    command = [str(jupyter_book), "build", ".", "--all", "-W", "-n", "--keep-going"]
    if os.environ.get("NNDL_SITE_STORED_OUTPUTS") == "1":
        command += ["--config", str(stored_outputs_config())]
    result = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        tail = "\n".join(result.stdout.splitlines()[-60:])
        pytest.fail(f"jupyter-book build 失败（退出码 {result.returncode}），输出的最后几行：\n{tail}", pytrace=False)
    STAMP.touch()


@pytest.fixture(scope="session")
def site():
    if not site_is_current():
        build_site()
    return HTML


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - 覆盖基类方法，签名不变
        pass


class LocalServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64


@pytest.fixture(scope="session")
def base_url(site):
    server = LocalServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser(base_url):
    if not (os.access(CHROMEDRIVER, os.X_OK) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"找不到 {CHROMIUM} 或 {CHROMEDRIVER}：先安装 Debian 的 chromium 与 chromium-driver "
                    "（`apt-get update && apt-get install -y chromium chromium-driver`，.ci/run 会自动安装）。",
                    pytrace=False)
    os.environ.setdefault("SE_OFFLINE", "true")  # 不让 Selenium Manager 联网找驱动
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile_dir = tempfile.mkdtemp(prefix="nndl-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--disable-default-apps", "--disable-extensions", "--disable-dev-shm-usage",
                 "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
                 "--disable-backgrounding-occluded-windows", "--autoplay-policy=no-user-gesture-required",
                 "--window-size=1280,900", f"--user-data-dir={profile_dir}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(120)
    driver.set_script_timeout(60)
    # 浏览器启动时的新标签页（chrome://…）也会写 performance 日志：先换成空白页，再清空日志。
    driver.get("about:blank")
    time.sleep(1)
    drain_logs(driver)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile_dir, ignore_errors=True)


def html_pages(root):
    """_build/html 下所有 HTML 页面的 docname（不含主题与源文件目录里的辅助文件）。"""
    skip = ("_static", "_sources", "_images", "reports")
    return sorted(str(p.relative_to(root).with_suffix("")) for p in root.rglob("*.html")
                  if p.relative_to(root).parts[0] not in skip)


def test_every_html_page_is_tested(site):
    expected = set(toc_docnames()) | set(EXTRA_PAGES)
    assert set(html_pages(site)) == expected


def test_every_toc_page_has_its_source():
    missing = [name for name in toc_docnames()
               if not any((ROOT / f"{name}{ext}").is_file() for ext in (".md", ".ipynb"))]
    assert not missing, f"_toc.yml 中这些页面没有源文件：{missing}"


# 读者的页面不谈工程：这些页面之外（写给维护者的两页、Sphinx 自动生成的页面）的每一页，正文（含折叠的解答、显示
# 的源码与输出）里不出现测试路径、nbval 及其注释、提交哈希、CI、issue 之类的工程话题。“与 Paddle 对照过”可以说，
# 怎样对照的写在维护者说明一页，读者页面链接过去。
ENGINEERING_PAGES = {"book/maintainers", "book/performance"}
ENGINEERING = {
    "测试路径": re.compile(r"tests/(?:unit|system)/|tests/\w+\.py"),
    "nbval": re.compile(r"nbval", re.I),
    "提交哈希": re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}\b"),
    "CI": re.compile(r"\bCI\b|持续集成"),
    "issue": re.compile(r"\bissues?\b", re.I),
    "Git 历史与测试命令": re.compile(r"Git 历史|make test|pytest"),
}


def article_text(html):
    """页面正文（<article>）里读者看得到的文字：去掉 <script>、<style> 和标签（属性里的数据、base64 图片都去掉了）。"""
    match = re.search(r"<article\b.*?</article>", html, re.S)
    body = match.group(0) if match else html
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


@pytest.mark.parametrize("page", [name for name in toc_docnames() if name not in ENGINEERING_PAGES])
def test_learner_pages_carry_no_engineering(page, site):
    text = article_text((site / f"{page}.html").read_text(encoding="utf-8"))
    found = [f"{kind}：…{text[max(0, m.start() - 40):m.end() + 40]}…"
             for kind, pattern in ENGINEERING.items() for m in pattern.finditer(text)]
    assert not found, f"{page} 的正文谈到了工程（应写在维护者说明一页，读者页面链接过去）：\n" + "\n".join(found[:10])


def test_pages_under_size_limit(site):
    """每页（HTML 加上它自己的图片）小于 3 MB。"""
    sizes = {}
    for name in html_pages(site):
        page = site / f"{name}.html"
        text = page.read_text(encoding="utf-8")
        images = {part.split('"', 1)[0] for part in text.split('src="')[1:] if "_images/" in part.split('"', 1)[0]}
        size = page.stat().st_size + sum((page.parent / src).stat().st_size for src in images)
        sizes[name] = size
    largest = max(sizes, key=sizes.get)
    print(f"最大的页面：{largest}，{sizes[largest] / 1024:.0f} KiB")
    too_big = {name: size for name, size in sizes.items() if size >= MAX_PAGE_BYTES}
    assert not too_big, f"超过 3 MB 的页面：{too_big}"


def drain_logs(driver):
    driver.get_log("performance")
    driver.get_log("browser")


def network_events(driver, events, quiet=1.0, limit=20.0):
    """收集 performance 日志中的 Network 事件，直到 `quiet` 秒内没有新事件（最多 `limit` 秒）。"""
    deadline = time.monotonic() + limit
    last_new = time.monotonic()
    while time.monotonic() < deadline:
        entries = driver.get_log("performance")
        for entry in entries:
            message = json.loads(entry["message"])["message"]
            if message["method"].startswith("Network."):
                events.append(message)
        if entries:
            last_new = time.monotonic()
        elif time.monotonic() - last_new >= quiet:
            break
        time.sleep(0.2)
    return events


def request_problems(events, base_url):
    """离开本机的请求与失败的请求。"""
    host = urlsplit(base_url).netloc
    urls, problems = {}, []
    for event in events:
        params = event["params"]
        if event["method"] == "Network.requestWillBeSent":
            if urlsplit(params.get("documentURL", "")).scheme.startswith("chrome"):
                continue  # 浏览器自己的内部页面（新标签页），不是本站发出的请求
            url = params["request"]["url"]
            urls[params["requestId"]] = url
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "about"):
                continue
            if parts.scheme not in ("http", "https") or parts.netloc != host:
                problems.append(f"请求离开本机：{url}")
        elif event["method"] == "Network.loadingFailed":
            if params["requestId"] not in urls:
                continue  # 不是这一页发出的请求（例如上一页被导航取消的请求）
            url = urls[params["requestId"]]
            problems.append(f"请求失败：{url}（{params.get('errorText')}，canceled={params.get('canceled')}）")
        elif event["method"] == "Network.responseReceived":
            response = params["response"]
            if response.get("status", 200) >= 400:
                problems.append(f"HTTP {response['status']}：{response['url']}")
    return problems


WAIT_FOR_MATHJAX = """
const done = arguments[arguments.length - 1];
if (!document.querySelector('script[src*="mathjax"]')) { done('no-mathjax'); return; }
const start = Date.now();
(function poll() {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(() => done('ok'), (err) => done('error: ' + err));
  } else if (Date.now() - start > 45000) {
    done('timeout: MathJax 未加载');
  } else {
    setTimeout(poll, 100);
  }
})();
"""

IMAGES_STATE = """
return Array.from(document.images).map(img => ({src: img.currentSrc || img.src, complete: img.complete,
                                                 width: img.naturalWidth}));
"""

MATH_STATE = """
const math = Array.from(document.querySelectorAll('.math'));
return {math: math.length,
        typeset: math.filter(el => el.querySelector('mjx-container')).length,
        containers: document.querySelectorAll('mjx-container').length,
        errors: Array.from(document.querySelectorAll('mjx-merror')).map(el => el.textContent).slice(0, 5),
        script: !!document.querySelector('script[src*="mathjax"]')};
"""

VIDEO_SAMPLES = """
const done = arguments[arguments.length - 1];
const video = document.querySelectorAll('video')[arguments[0]];
video.scrollIntoView({block: 'center'});
const samples = [];
const start = Date.now();
(function sample() {
  const q = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality().totalVideoFrames : -1;
  samples.push({t: video.currentTime, paused: video.paused, ready: video.readyState, frames: q,
                error: video.error ? video.error.code : null});
  if (Date.now() - start > 6000) { done(samples); return; }
  setTimeout(sample, 250);
})();
"""


def wait_for_images(driver, limit=30.0):
    deadline = time.monotonic() + limit
    while True:
        images = driver.execute_script(IMAGES_STATE)
        if all(img["complete"] for img in images) or time.monotonic() > deadline:
            return images
        time.sleep(0.2)


def save_screenshot(driver, name, width=1280, folder=SCREENSHOTS):
    """整页截图：把视口临时设为 `width` × 页面高度（最多 16000 像素）再截取，然后恢复原来的视口。

    （`captureBeyondViewport` 在很长的页面上会把内容错位地截出来，改视口大小的方式则与浏览器里看到的一致。）
    """
    folder.mkdir(parents=True, exist_ok=True)
    driver.execute_script("window.scrollTo(0, 0);")
    height = min(int(driver.execute_script("return document.documentElement.scrollHeight;")), 16000)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 768})
    try:
        time.sleep(0.5)  # 等待按新视口重新布局
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    path = folder / (name.replace("/", "_") + ".png")
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


# 界面文字里只有英文的几条，留着的原因：
UI_ENGLISH_KEPT = {
    "Ctrl": "搜索框旁的快捷键 Ctrl+K：键盘上的键就印着 Ctrl，译成中文反而找不到这个键",
    ".ipynb": "下载菜单里的文件格式（notebook 文件的扩展名），译成中文就不是文件名了",
    ".md": "下载菜单里的文件格式（Markdown 源文件的扩展名）",
    ".pdf": "下载菜单里“打印成 PDF”一项显示的文件格式（它的提示是中文）",
}

# 页面上只有英文（有两个以上连续的拉丁字母、没有汉字）的界面文字：[位置, 文字]。界面文字指正文之外的文本（正文里
# 只看折叠框的标题、复制按钮、标题旁的链接这类控件），以及每个元素（正文里的也算）的 title、aria-label、placeholder、
# data-tooltip、Bootstrap 提示等属性。不看的：代码、输出、公式、SVG，搜索结果，以及指向各页各节的链接文字
# （那是书中的节名，如“7.3.2.1 AdaGrad算法”）。
ENGLISH_UI = r"""
const latin = /[A-Za-z]{2,}/, han = /[㐀-鿿]/;
const found = new Map();
const note = (where, text) => {
  text = text.replace(/\s+/g, ' ').trim();
  if (text && latin.test(text) && !han.test(text)) found.set(where + '|' + text, [where, text]);
};
const notUi = 'script, style, svg, mjx-container, .math, pre, code, .cell_output, #search-results ul.search';
const titleLinks = 'nav a, .bd-toc a, .toc-entry a, .bd-breadcrumbs a, .navbar-brand';
const uiInArticle = 'summary, .copybtn, .headerlink, button, .toggle-button, .admonition-title';
const isContent = (el) => el.closest(notUi) || el.closest(titleLinks)
  || (el.closest('article.bd-article') && !el.closest(uiInArticle));
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const el = node.parentElement;
  if (!isContent(el)) note(`<${el.tagName.toLowerCase()} class="${el.className}">`, node.textContent);
}
const attributes = ['title', 'aria-label', 'placeholder', 'data-tooltip', 'data-bs-title', 'data-bs-original-title',
                    'alt', 'value'];
for (const el of document.querySelectorAll('*')) {
  if (el.closest('script, style, svg, mjx-container, .cell_output')) continue;
  for (const name of attributes) {
    const value = el.getAttribute(name);
    if (value && !(name === 'value' && el.tagName !== 'INPUT')) note(`<${el.tagName.toLowerCase()} ${name}>`, value);
  }
}
return [...found.values()];
"""


@pytest.mark.parametrize("page", toc_docnames() + EXTRA_PAGES)
def test_page_in_browser(page, site, base_url, browser):
    assert (site / f"{page}.html").is_file(), f"{page}.html 没有生成"
    drain_logs(browser)
    browser.get(base_url + f"{page}.html")
    mathjax = browser.execute_async_script(WAIT_FOR_MATHJAX)
    images = wait_for_images(browser)
    events = network_events(browser, [])
    problems = []

    # 7.3.4：动画（<video>）在播放。
    if page == VIDEO_PAGE:
        count = browser.execute_script("return document.querySelectorAll('video').length;")
        if count == 0:
            problems.append("7.3.4 页面没有 <video>")
        for index in range(count):
            samples = browser.execute_async_script(VIDEO_SAMPLES, index)
            times = [s["t"] for s in samples]
            advancing = any(b > a for a, b in zip(times, times[1:]))
            if not advancing or any(s["error"] for s in samples):
                problems.append(f"第 {index + 1} 个 <video> 没有播放：{samples[:3]} … {samples[-2:]}")
        network_events(browser, events)

    problems += request_problems(events, base_url)

    for entry in browser.get_log("browser"):
        if entry["level"] == "SEVERE":
            problems.append(f"控制台错误：{entry['message']}")

    if mathjax not in ("ok", "no-mathjax"):
        problems.append(f"MathJax：{mathjax}")
    math = browser.execute_script(MATH_STATE)
    if math["math"]:
        if not math["script"]:
            problems.append("页面有公式但没有加载 MathJax")
        if math["typeset"] < math["math"]:
            problems.append(f"只有 {math['typeset']}/{math['math']} 个公式被 MathJax 排版")
    if math["errors"]:
        problems.append(f"MathJax 排版错误（mjx-merror）：{math['errors']}")

    for img in images:
        if not img["complete"] or img["width"] == 0:
            problems.append(f"图片没有加载：{img['src'][:120]}")

    problems += [f"界面文字是英文：{where}「{text}」" for where, text in browser.execute_script(ENGLISH_UI)
                 if text not in UI_ENGLISH_KEPT]

    # notebook 页面：下载按钮给出该页的 .ipynb，且能取到。
    if page.startswith("notebooks/"):
        links = browser.execute_script(
            "return Array.from(document.querySelectorAll('a[href$=\".ipynb\"]')).map(a => a.href);")
        if not links:
            problems.append("notebook 页面没有 .ipynb 下载链接")
        for link in links:
            with urllib.request.urlopen(link, timeout=30) as response:
                notebook = json.loads(response.read().decode("utf-8"))
            if not notebook.get("cells"):
                problems.append(f"下载的 notebook 没有单元格：{link}")

    if page not in EXTRA_PAGES:
        save_screenshot(browser, page)

    # 离开这一页：导航会取消它尚未完成的请求，这些事件不应记到下一页头上。
    browser.get("about:blank")
    time.sleep(0.3)
    drain_logs(browser)

    assert not problems, f"{page}:\n" + "\n".join(problems)


# 两种阅读宽度：桌面窗口，以及一部 390 px 宽（CSS 像素）的手机。
VIEWPORTS = {1280: {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
             390: {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}}

# 正文栏（article.bd-article 的内容框）里超出栏的元素，以及被截断的输出。返回问题列表、页面上的表格数。
# - 一个元素若在某个横向裁剪的祖先（overflow-x 不是 visible）里，它的位置由那个框管：不单独计算；
# - 裁剪框的内容比框宽（scrollWidth > clientWidth）时，若它在代码单元的输出里，只允许两种内容：表格（<table>）
#   与 HTML 输出里的高亮源码（show_source）；纯文本输出（stream、text/plain）不许被截断（本站的样式让它像
#   JupyterLab 里一样自动换行）。代码单元的输入、公式等不是输出，可以在自己的框内滚动；
# - 纯文本输出里对齐的文本表格（一行中方括号之外有两处以上连续两个空格的列间距）比框宽时，截断和换行都让它不可读：
#   这样的表格应当用 nndl.show.table 输出为 HTML 表格。
LAYOUT_CHECK = """
const article = document.querySelector('article.bd-article');
if (!article) return {problems: ['找不到正文栏 article.bd-article'], tables: 0};
const box = article.getBoundingClientRect();
const pad = getComputedStyle(article);
const left = box.left + parseFloat(pad.paddingLeft), right = box.right - parseFloat(pad.paddingRight);
const slack = 1;
function describe(el, line) {
  let name = el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  let section = el.closest('section[id]');
  let text = (line || (el.innerText || '').trim().split('\\n')[0]).trim().slice(0, 60);
  return `${name}（${section ? '#' + section.id : '页首'}）「${text}」`;
}
function clipped(el) {
  for (let a = el.parentElement; a && a !== article; a = a.parentElement) {
    if (getComputedStyle(a).overflowX !== 'visible') return true;
  }
  return false;
}
const problems = [], reported = [];
const width = Math.round(right - left);
if (document.documentElement.scrollWidth > window.innerWidth + slack) {
  problems.push(`整页可以横向滚动：页面宽 ${document.documentElement.scrollWidth} px，窗口 ${window.innerWidth} px`);
}
for (const el of article.querySelectorAll('*')) {
  if (reported.some(r => r.contains(el))) continue;
  // MathJax 给读屏软件的 MathML 副本：绝对定位、用 clip 隐藏，从不显示，它的盒子不算版面。
  if (el.closest('mjx-assistive-mml')) continue;
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  if (rect.width === 0 || rect.height === 0 || style.visibility === 'hidden') continue;
  if (!clipped(el) && (rect.right > right + slack || rect.left < left - slack)) {
    problems.push(`超出正文栏（栏宽 ${width} px，元素 ${Math.round(rect.left - left)}…${Math.round(rect.right - left)} px）：${describe(el)}`);
    reported.push(el);
    continue;
  }
  if (style.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + slack && el.closest('.cell_output')) {
    const table = el.querySelector('table');
    const source = el.closest('.output.text_html') && el.closest('.highlight');
    if (!table && !source) {
      problems.push(`输出被截断（内容宽 ${el.scrollWidth} px，框宽 ${el.clientWidth} px）：${describe(el)}`);
      reported.push(el);
    }
  }
}
// 纯文本输出里对齐的文本表格（一行里有两处以上连续空格分隔的列）：比框宽时，截断或换行都让它不可读。
const probe = document.createElement('span');
probe.style.cssText = 'position: absolute; visibility: hidden; white-space: pre; left: 0; top: 0;';
for (const pre of article.querySelectorAll('.cell_output .output.stream pre, .cell_output .output.text_plain pre')) {
  if (reported.some(r => r.contains(pre)) || pre.getBoundingClientRect().width === 0) continue;
  const style = getComputedStyle(pre);
  const room = pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  pre.appendChild(probe);
  for (const line of pre.innerText.split('\\n')) {
    // 方括号里的内容（NumPy 数组的打印，元素之间也有两个空格）不算列间距。
    if ((line.replace(/\\[[^\\]]*\\]/g, '[]').trim().match(/ {2,}/g) || []).length < 2) continue;
    probe.textContent = line;
    if (probe.getBoundingClientRect().width > room + slack) {
      problems.push(`文本表格放不下（一行宽 ${Math.round(probe.getBoundingClientRect().width)} px，框内宽 ${Math.round(room)} px）：${describe(pre, line)}`);
      break;
    }
  }
  probe.remove();
}
return {problems: problems, tables: article.querySelectorAll('table').length};
"""


@pytest.mark.parametrize("width", sorted(VIEWPORTS, reverse=True))
@pytest.mark.parametrize("page", toc_docnames())
def test_content_fits_column(page, width, site, base_url, browser):
    """桌面与手机宽度下，正文中没有元素超出正文栏，输出没有被截断（只有表格和源码在自己的框内滚动）。"""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", VIEWPORTS[width])
    try:
        browser.get(base_url + f"{page}.html")
        mathjax = browser.execute_async_script(WAIT_FOR_MATHJAX)  # 公式排版之后宽度才确定
        wait_for_images(browser)
        time.sleep(0.3)
        result = browser.execute_script(LAYOUT_CHECK)
        if result["tables"] or result["problems"]:
            save_screenshot(browser, page, width, SCREENSHOTS / f"{width}px")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        browser.get("about:blank")
        time.sleep(0.3)
        drain_logs(browser)
    assert mathjax in ("ok", "no-mathjax"), mathjax
    assert not result["problems"], f"{page} @ {width} px:\n" + "\n".join(result["problems"])


# 搜索：读者会键入的查询 → 应当出现在前三条结果里的页面。书中的术语（单个词）、读者会键入的词组、中英混合、连写的
# 中英混合、带虚词的短语、英文名称。
SEARCH_CASES = [
    ("批大小", "notebooks/7-2-batch-size"),
    ("动量法", "notebooks/7-3-3-momentum-adam"),
    ("鞍点", "notebooks/7-3-4-3d-comparison"),
    ("权重衰减", "notebooks/7-6-regularization"),
    ("暂退法", "notebooks/7-6-regularization"),
    ("逐层规范化", "notebooks/7-5-normalization"),
    ("参数初始化", "notebooks/7-4-initialization"),
    ("学习率衰减", "notebooks/7-3-exercises"),
    ("梯度估计修正", "notebooks/7-3-3-momentum-adam"),
    ("批量规范化", "notebooks/7-5-normalization"),
    ("层规范化", "notebooks/7-5-normalization"),
    ("Adam 偏差修正", "notebooks/7-3-3-momentum-adam"),
    ("Adam偏差修正", "notebooks/7-3-3-momentum-adam"),
    ("批大小的调整", "notebooks/7-2-batch-size"),
    ("批大小与学习率", "notebooks/7-2-batch-size"),
    ("Adam的偏差修正", "notebooks/7-3-3-momentum-adam"),
    ("学习率预热", "notebooks/7-3-2-adagrad-rmsprop"),
    ("内部协变量偏移", "notebooks/7-5-normalization"),
    ("方差缩放", "notebooks/7-4-initialization"),
    ("小批量梯度下降", "book/7-1-minibatch"),
    ("过拟合", "notebooks/7-6-regularization"),
    ("Adam", "notebooks/7-3-3-momentum-adam"),
    ("RMSprop", "notebooks/7-3-2-adagrad-rmsprop"),
    ("AdaGrad", "notebooks/7-3-2-adagrad-rmsprop"),
    ("Dropout", "notebooks/7-6-regularization"),
    ("BatchNorm", "notebooks/7-5-normalization"),
    ("AdamW", "notebooks/7-3-exercises"),
]
# 不该有结果的查询：与本章无关的词；「强化学习」里的「学习」在索引里，「强化」不在，整个查询不应只按「学习」找到页面。
SEARCH_NOTHING = ["量子纠缠", "区块链", "强化学习", "xyzzy"]

SEARCH_STATE = """
const summary = document.querySelector('#search-results p.search-summary');
return {done: !!summary && summary.textContent.trim().length > 0,
        summary: summary ? summary.textContent.trim() : '',
        results: Array.from(document.querySelectorAll('#search-results ul.search > li > a'))
                      .map(a => [a.getAttribute('href'), a.textContent.trim()])};
"""


def typed_search(browser, base_url, query):
    """在简介页点开搜索框、逐字键入查询并回车，等搜索页给出全部结果：返回（摘要, [(页面, 标题)…]）。"""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(base_url + "book/intro.html")
    browser.find_element(By.CSS_SELECTOR, "button.search-button-field").click()
    box = WebDriverWait(browser, 10).until(
        lambda driver: next((el for el in driver.find_elements(By.CSS_SELECTOR, "form.bd-search input[name=q]")
                             if el.is_displayed()), None))
    for char in query:
        box.send_keys(char)
    box.send_keys(Keys.ENTER)
    WebDriverWait(browser, 30).until(
        lambda driver: "search.html" in driver.current_url and driver.execute_script(SEARCH_STATE)["done"])
    state = browser.execute_script(SEARCH_STATE)
    pages = [(href.split("#")[0].removesuffix(".html"), title) for href, title in state["results"]]
    return state["summary"], pages


@pytest.mark.parametrize("query, expected", SEARCH_CASES)
def test_search_typed(query, expected, base_url, browser):
    summary, results = typed_search(browser, base_url, query)
    first = f"{results[0][1]}（{results[0][0]}）" if results else "无"
    print(f"搜索「{query}」：{summary} 第一条：{first}")
    assert "搜索完成" in summary, f"搜索页的状态行不是中文：{summary}"
    top = [page for page, _ in results[:3]]
    assert expected in top, f"搜索「{query}」的前三条结果里没有 {expected}：{results[:3]}（{summary}）"


@pytest.mark.parametrize("query", SEARCH_NOTHING)
def test_search_finds_nothing(query, base_url, browser):
    summary, results = typed_search(browser, base_url, query)
    print(f"搜索「{query}」：{summary}")
    assert not results, f"搜索「{query}」不该有结果，却找到 {results[:5]}"
    assert "没有匹配" in summary, summary


PROFILES_STATE = """
const table = document.querySelector('table.nndl-profiles');
if (!table) return null;
return {head: Array.from(table.querySelectorAll('thead th')).map(th => th.textContent.trim()),
        rows: Array.from(table.querySelectorAll('tbody tr')).map(
          tr => Array.from(tr.querySelectorAll('td')).map(td => td.textContent.trim()))};
"""


def test_profiles_table_shows_the_registry(base_url, browser):
    """简介页“两种规模”的表就是 nndl.profile.SIZES：每个被缩小的量一行（节、说明、quick、full），数字与登记表相同。"""
    from nndl.profile import SECTION_TITLES, SIZES

    browser.get(base_url + "book/intro.html")
    state = browser.execute_script(PROFILES_STATE)
    assert state, "简介页没有规模表（table.nndl-profiles）"
    assert state["head"] == ["节", "缩小的是什么", "quick", "full"], state["head"]
    expected = [[SECTION_TITLES[section] if k == 0 else "", size.meaning, f"{size.quick:,}", f"{size.full:,}"]
                for section, sizes in SIZES.items() for k, size in enumerate(sizes.values())]
    assert state["rows"] == expected, state["rows"]


RUN_COST_STATE = """
const table = document.querySelector('table.nndl-run-cost');
if (!table) return null;
return {executed: table.classList.contains('executed'),
        head: Array.from(table.querySelectorAll('thead th')).map(th => th.textContent.trim()),
        rows: Array.from(table.querySelectorAll('tbody tr')).map(tr => {
          const link = tr.querySelector('a');
          return {page: link ? link.getAttribute('href').replace(/\\.html$/, '') : null,
                  cells: Array.from(tr.querySelectorAll('td')).map(td => td.textContent.trim())};
        }),
        after: Array.from(table.closest('.nndl-run-cost-block').querySelectorAll(':scope > p'))
                    .map(p => p.textContent.trim())};
"""
DURATION = r"^(不到 1 秒|\d+ 秒|\d+ 分 \d\d 秒|\d+ 小时 \d\d 分)$"


def test_run_cost_table(base_url, browser):
    """简介页的用时表：目录中每个 notebook 一行（按目录顺序），最后是合计；full 一栏是用时，或明说那次测量没有跑到
    它（“未测完”，合计写“至少”）；quick 在执行了 notebook 的构建里都有用时，在渲染保存输出的构建里都为空（“—”）
    且表下说明原因；表下写明 full 一栏的测量条件。"""
    browser.get(base_url + "book/intro.html")
    state = browser.execute_script(RUN_COST_STATE)
    assert state, "简介页没有用时表（table.nndl-run-cost）"
    assert state["head"] == ["页面", "quick（本次构建）", "full（测量一次）"], state["head"]
    notebooks = [name for name in toc_docnames() if (ROOT / f"{name}.ipynb").is_file()]
    rows, total = state["rows"][:-1], state["rows"][-1]
    assert [posixpath.normpath(posixpath.join("book", row["page"])) for row in rows] == notebooks, rows
    assert total["cells"][0] == "合计", total
    unmeasured = [row["page"] for row in rows if row["cells"][2] == "未测完"]
    if unmeasured:
        print(f"full 规模没有测完的 notebook：{unmeasured}")
    for row in rows:
        assert re.match(DURATION, row["cells"][2]) or row["cells"][2] == "未测完", row
    if len(unmeasured) == len(rows):
        assert total["cells"][2] == "未测完", total
    else:
        assert re.match(DURATION, total["cells"][2].removeprefix("至少 " if unmeasured else "")), total
    for row in rows + [total]:
        _, quick, _ = row["cells"]
        if state["executed"]:
            assert re.match(DURATION, quick), row
        else:
            assert quick == "—", row
    assert state["after"] and state["after"][0].startswith("full 一栏："), state["after"]
    if not state["executed"]:
        assert any("没有执行 notebook" in text for text in state["after"]), state["after"]
