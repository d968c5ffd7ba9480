# make book：安装依赖（首次）、执行全部 notebook 并构建网站到 _build/html（警告即错误）
# make test：安装依赖（首次）、单元测试、nbval（本机 + 一种模拟的机器，并行）、敏感性测试、浏览器测试
# make lab：安装依赖（首次）、在同一个 .venv 里启动 JupyterLab，打开 notebooks/
# make unit：只运行单元测试 tests/unit（nndl 与 tools/ 的测试，几分钟）；tests/system 的测试在 make test 里
# make notebooks：以 quick 重新执行全部 notebook 并写回输出（nbval 比较的就是这些输出）；
#   make notebooks NB=notebooks/7-6-regularization.ipynb 只重新执行这一个（NB 可以列出几个，以空格分隔）
# make portability：在全部模拟的机器上运行 nbval 与单元测试（线程数 1/2/4、MKL_CBWR=COMPATIBLE、无 AVX-512 的 CPU、
#   混合），以及本机找得到的每个受支持的 Python（各自的虚拟环境在 _build/pyvenvs/）
# make offline：在仓库之外的新虚拟环境里安装网站提供的 wheel 与 requirements.txt，运行下载的 notebook（CI 在 make test 之后运行）
# make practice：由各节的 notebook 生成并执行练习 notebook（notebooks/practice/），刷新各节 notebook 里指向它的链接单元格
# make book PROFILE=full：按书中完整规模执行 notebook（默认 quick）
# make results：重新生成书中规模的保存结果 data/results/（按 full profile 经由实验运行器训练，检查点在 runs/full/，
#   与 make book PROFILE=full 共用；make results RESULTS="7.6-regularization" 只生成列出的实验）
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PROFILE ?= quick
export NNDL_PROFILE := $(PROFILE)
# 实验运行器不显示进度条：保存的 notebook 输出与测试输出里没有进度噪声。
export NNDL_PROGRESS := 0
JB_FLAGS := --all -W -n --keep-going
NBVAL_FLAGS := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
# 浏览器测试用的 Debian 包：Chromium、ChromeDriver，以及截图里显示中文所需的字体。
BROWSER_PACKAGES := chromium chromium-driver fonts-wqy-microhei

.PHONY: book test lab unit browser notebooks practice portability offline sensitivity results clean full-clean

$(VENV)/.installed: requirements.txt requirements-notebooks.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

# _build/.book-ok 标记一次成功的构建；浏览器测试据此决定复用网站还是重新构建。
book: $(VENV)/.installed
	rm -rf _build/.book-ok _build/html
	$(VENV)/bin/jupyter-book build . $(JB_FLAGS)
	touch _build/.book-ok

# nbval 比较的是以 quick profile 保存的输出，所以测试总用 quick。tools/run_tests.py 让几部分同时运行、每个核同时
# 只跑一个重的部分：1. nbval：本机与一种模拟的机器（默认 mix：无 AVX-512 的 CPU + 2 个线程）各跑一遍全部 notebook，
# 机器相关的输出因此不会悄悄进入仓库；本机那一遍（control）在敏感性测试的副本设置下运行，就是它的对照；
# 2. 单元测试 tests/unit，连同 tests/system 里不单独成为一部分的测试（JupyterLab、源码清单标签、nbval 队列；第一遍
# 结束时开始）；3. 敏感性测试（第二遍结束时开始；tests/sensitivity_bugs.py 中的每个 bug 都必须让 nbval 失败）；
# 4. 浏览器测试（一开始就运行，不占核）：网站渲染保存的、nbval 核对的输出，不再第二遍执行 notebook
# （make book 仍然全部重新执行）。各部分的日志在 _build/test-logs/。
# TEST_VARIATION 选模拟的机器（tools/portability.py --list）；CI 不应把它设为空。
TEST_VARIATION ?= mix
test: $(VENV)/.installed browser
	$(PY) tools/run_tests.py --variation "$(TEST_VARIATION)"

# JupyterLab 在 requirements.txt 里（tests/system/test_lab.py 通过本目标启动它），内核 python3 就是 .venv 的 Python，
# NNDL_PROFILE 随上面的 export 传给内核（make lab PROFILE=full）；NNDL_PROGRESS 不传：学习者在 Jupyter 里
# 看得到长实验的进度条。Jupyter 拒绝以 root 身份运行，除非加 --allow-root：只在 root（容器、CI）下才加。
# LAB_ARGS 追加参数，例如 make lab LAB_ARGS="--no-browser --port 8899"。
LAB_ARGS ?=
lab: $(VENV)/.installed
	env -u NNDL_PROGRESS $(VENV)/bin/jupyter lab --ServerApp.root_dir=notebooks \
	  $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# 单元测试：tests/unit 在一个进程里测试 nndl 与 tools/。执行或提供 notebook、网站、JupyterLab、wheel 的测试在
# tests/system，由 make test（tools/run_tests.py）与 make offline 运行。
unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit

# 在每种模拟的机器上、以及本机找得到的每个受支持的 Python 上对全部 notebook 运行 nbval，并运行单元测试 tests/unit
# （python tools/portability.py --list 列出各种机器与各个 Python；找不到的 Python 打印一行 skipped）。每个其他版本的
# Python 用自己的虚拟环境 _build/pyvenvs/<版本>/（按固定版本的 requirements 创建，之后复用）。PORTABILITY_JOBS 个
# pytest 进程同时运行，日志在 _build/portability/（单元测试的是 unit-<名字>.log）。
PORTABILITY_JOBS ?= 2
portability: $(VENV)/.installed
	$(PY) tools/portability.py --jobs $(PORTABILITY_JOBS)

# 仓库之外的学习者（tests/system/test_offline.py）：网站缺失或过期时先构建（渲染保存的输出），从中取简介页链接的 wheel、
# requirements.txt 与 notebook 压缩包，在临时目录的新虚拟环境里安装，nbval 检查 7.2、7.3.4、7.5、7.6；卸载 nndl
# （或换成别的版本）后，这些 notebook 停在第一个代码单元并给出安装命令。不在 make test 里：CI 在它之后运行本目标。
offline: $(VENV)/.installed
	NNDL_SITE_STORED_OUTPUTS=1 $(PY) -m pytest tests/system/test_offline.py -v -s -p no:cacheprovider

# 只运行敏感性测试（把每个 bug 打进项目的临时副本，断言 nbval 在一个结果单元格失败，而不是在源码清单；对照：未修改的
# 副本里每个 notebook 在同样的设置下整个通过），最后打印每个 bug 被哪个 notebook 的哪个单元格、在几秒后抓住。
sensitivity: $(VENV)/.installed
	NNDL_PROFILE=quick $(PY) -m pytest tests/system/test_sensitivity.py -v -s

# 缺少 Chromium/ChromeDriver/中文字体时用 apt-get 安装（需要 root）。
browser:
	@if [ ! -x /usr/bin/chromedriver ] || [ ! -x /usr/bin/chromium ] || [ ! -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(BROWSER_PACKAGES); \
	  else \
	    echo "浏览器测试需要 Debian 包 $(BROWSER_PACKAGES)：sudo apt-get install $(BROWSER_PACKAGES)"; exit 1; \
	  fi; \
	fi

# 修改 nndl 后重新执行 notebook 并写回输出（nbval 比较的就是这些输出）：默认全部，NB=… 只执行列出的几个
# （例如 make notebooks NB=notebooks/7-6-regularization.ipynb）。总是 quick：保存的输出是 quick 的。
NB ?=
notebooks: $(VENV)/.installed
	NNDL_PROFILE=quick $(PY) tools/run_notebooks.py $(NB)

# 练习 notebook（tools/make_practice.py）：nndl.practice.catalog 列出的每个练习，取自显示它的那一节 notebook
# （show-source 单元格之前的讲解、页面上显示的源码），骨架代替解答，后面跟一个检查单元格；执行后写回输出（quick）。
# 同时在每一节的 notebook 标题之后插入（或刷新）一个指向练习 notebook 的链接单元格，别的单元格不动。
# 改了某一节显示源码的单元格或它前面的讲解之后运行；只刷新链接单元格：make practice PRACTICE_ARGS=--links。
PRACTICE_ARGS ?=
practice: $(VENV)/.installed
	NNDL_PROFILE=quick $(PY) tools/make_practice.py $(PRACTICE_ARGS)

# 书中规模的保存结果（nndl/results，README 的“两种规模”一节）：每个登记的实验（nndl/sections/experiments.py）按 full
# profile 训练，已有的检查点 runs/full/<名字>/ 直接读出（先运行过 make book PROFILE=full 时几秒钟），中断后再运行即接着训练；
# 记录与状态没有变化的文件不改动。训练代码或设置改了之后运行它（CONTRIBUTING.md），tests/unit/test_stored_results.py 会指出。
RESULTS ?=
results: $(VENV)/.installed
	$(PY) -m nndl.results --regenerate $(RESULTS)

clean:
	rm -rf _build

full-clean: clean
	rm -rf $(VENV) *.egg-info .pytest_cache
