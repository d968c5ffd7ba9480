# make book: 安装依赖（首次）、执行全部 notebook 并构建网站到 _build/html
# make test: 安装依赖（首次）、运行单元测试、nbval 与浏览器测试
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PROFILE ?= quick
export NNDL_PROFILE := $(PROFILE)

.PHONY: book test unit clean full-clean

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

book: $(VENV)/.installed
	$(VENV)/bin/jupyter-book build . -W -n --keep-going

unit: $(VENV)/.installed
	$(PY) -m pytest tests

test: $(VENV)/.installed
	$(PY) -m pytest tests

clean:
	rm -rf _build

full-clean: clean
	rm -rf $(VENV) *.egg-info .pytest_cache
