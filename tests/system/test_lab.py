"""`make lab` 给学习者的 JupyterLab：无头启动、列出 notebook、在项目内核里 `import nndl`，然后干净地关掉。

- 用 `make lab` 本身启动（与 README 给学习者的命令相同），追加参数：只监听 127.0.0.1 的一个空闲端口、随机令牌、
  不开浏览器；Jupyter 的配置与运行时目录放在临时目录里，不读也不写用户自己的 ~/.jupyter；
- 通过 REST API 检查：JupyterLab 的页面 /lab 在服务、notebooks/ 下的每个 .ipynb 与 notebooks/practice/ 下的每个练习
  notebook 都被列出、默认内核是 python3；
- 像 JupyterLab 打开 notebook 那样建一个会话（内核 python3），经内核的 websocket 通道（websocket-client，
  jupyter_server 自己的依赖）执行 `import nndl`，读回结果：`nndl` 来自本仓库、内核用的是 .venv 的 Python、
  工作目录是 notebooks/、NNDL_PROFILE 传到了内核、NNDL_PROGRESS 没有传（进度条照常显示）；
- 删除会话、经 /api/shutdown 关闭服务器，断言 make、服务器和内核进程全部退出。每一步的等待都有上限；
  出错时也会终止本测试启动的进程组。
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
VENV = ROOT / ".venv"
START_LIMIT = 90.0     # 秒：服务器启动（首次导入 JupyterLab 较慢）
EXECUTE_LIMIT = 120.0  # 秒：内核启动并执行 `import nndl`（导入 Paddle）
EXIT_LIMIT = 30.0      # 秒：关闭后进程退出

CODE = """\
import os, sys
import nndl
print(os.path.dirname(os.path.abspath(nndl.__file__)))
print(sys.prefix)
print(os.getcwd())
print(os.environ.get("NNDL_PROFILE"))
print(os.environ.get("NNDL_PROGRESS", "unset"))
print(os.getpid())
"""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_table():
    """{pid: ppid}，读自 /proc（本测试只在 Linux 上运行）。"""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # 第 2 个字段（命令名）在括号里，可能含空格：从最后一个右括号之后开始数。
            fields = stat.rsplit(")", 1)[1].split()
            table[int(entry.name)] = int(fields[1])
    return table


def descendants(pid):
    table = process_table()
    found, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in table.items():
            if ppid == parent and child not in found:
                found.add(child)
                frontier.append(child)
    return found


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # 已退出但尚未被回收的僵尸进程也算退出。
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Lab:
    def __init__(self, port, token):
        self.base = f"http://127.0.0.1:{port}"
        self.ws_base = f"ws://127.0.0.1:{port}"
        self.token = token

    def request(self, method, path, body=None, timeout=30):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as response:
            payload = response.read()
            kind = response.headers.get("Content-Type", "")
        if "json" in kind and payload:
            return json.loads(payload)
        return payload.decode("utf-8", "replace")


def wait_until_up(lab, process, log_path):
    deadline = time.monotonic() + START_LIMIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make lab 提前退出（{process.returncode}）：\n{log_path.read_text()[-3000:]}", pytrace=False)
        try:
            return lab.request("GET", "/api/status", timeout=5)
        except (urllib.error.URLError, ConnectionError, socket.timeout):
            time.sleep(0.5)
    pytest.fail(f"{START_LIMIT:.0f} 秒内 JupyterLab 没有响应：\n{log_path.read_text()[-3000:]}", pytrace=False)


def execute(lab, kernel_id, code):
    """经内核的 websocket 通道执行 `code`，返回 (stdout, execute_reply 的内容)。"""
    import websocket  # websocket-client，jupyter_server 的依赖

    ws = websocket.create_connection(f"{lab.ws_base}/api/kernels/{kernel_id}/channels",
                                     header=[f"Authorization: token {lab.token}"], timeout=EXECUTE_LIMIT)
    try:
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test",
                       "session": uuid.uuid4().hex, "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))
        stdout, errors = [], []
        deadline = time.monotonic() + EXECUTE_LIMIT
        while time.monotonic() < deadline:
            ws.settimeout(max(1.0, deadline - time.monotonic()))
            message = json.loads(ws.recv())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message["msg_type"]
            if kind == "stream" and message["content"]["name"] == "stdout":
                stdout.append(message["content"]["text"])
            elif kind == "error":
                errors.append("\n".join(message["content"]["traceback"]))
            elif kind == "execute_reply":
                return "".join(stdout), message["content"], errors
        pytest.fail(f"{EXECUTE_LIMIT:.0f} 秒内没有收到 execute_reply", pytrace=False)
    finally:
        ws.close()


@pytest.fixture()
def lab_server(tmp_path):
    if shutil.which("make") is None:
        pytest.fail("需要 make（README 的 make lab）", pytrace=False)
    port, token = free_port(), secrets.token_hex(24)
    jupyter_dirs = tempfile.mkdtemp(prefix="nndl-jupyter-")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MAKE", "JUPYTER"))}
    env.update(JUPYTER_CONFIG_DIR=f"{jupyter_dirs}/config", JUPYTER_RUNTIME_DIR=f"{jupyter_dirs}/runtime",
               JUPYTERLAB_SETTINGS_DIR=f"{jupyter_dirs}/settings",
               JUPYTERLAB_WORKSPACES_DIR=f"{jupyter_dirs}/workspaces", NNDL_PROFILE="quick",
               NNDL_PROGRESS="0")  # 与 make test 中一样；make lab 应当去掉它
    args = (f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} --ServerApp.port_retries=0 "
            f"--IdentityProvider.token={token}")
    log_path = tmp_path / "lab.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    lab = Lab(port, token)
    state = {"process": process, "log": log_path, "pids": {process.pid}}
    try:
        yield lab, state
    finally:
        # 正常路径上测试已经关掉了一切；这里只处理失败时留下的、本测试启动的进程。
        leftovers = [pid for pid in state["pids"] | descendants(process.pid) if alive(pid)]
        if leftovers:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            for pid in leftovers:
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and any(alive(pid) for pid in leftovers):
                time.sleep(0.2)
            for pid in leftovers:
                if alive(pid):
                    os.kill(pid, signal.SIGKILL)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        shutil.rmtree(jupyter_dirs, ignore_errors=True)


def test_make_lab_serves_notebooks_and_runs_nndl(lab_server):
    lab, state = lab_server
    process = state["process"]
    status = wait_until_up(lab, process, state["log"])
    assert "started" in status, status

    # JupyterLab 本身（不只是 jupyter_server）在服务。
    page = lab.request("GET", "/lab")
    assert "JupyterLab" in page or "jupyter-config-data" in page, page[:500]

    # 根目录是 notebooks/：列出的 .ipynb 与仓库里的一致；练习 notebook 在子目录 practice/ 里。
    listing = lab.request("GET", "/api/contents/")
    listed = {item["name"] for item in listing["content"] if item["type"] == "notebook"}
    expected = {path.name for path in NOTEBOOKS.glob("*.ipynb")}
    assert expected and listed == expected, (listed, expected)
    assert any(item["name"] == "practice" and item["type"] == "directory" for item in listing["content"])
    practice = lab.request("GET", "/api/contents/practice")
    listed = {item["name"] for item in practice["content"] if item["type"] == "notebook"}
    expected_practice = {path.name for path in (NOTEBOOKS / "practice").glob("*.ipynb")}
    assert expected_practice and listed == expected_practice, (listed, expected_practice)

    specs = lab.request("GET", "/api/kernelspecs")
    assert specs["default"] == "python3", specs
    argv0 = Path(specs["kernelspecs"]["python3"]["spec"]["argv"][0])
    assert argv0.parent.resolve() == (VENV / "bin").resolve(), argv0

    # 像 JupyterLab 打开第一个 notebook 那样：一个会话，内核 python3。
    notebook = sorted(expected)[0]
    session = lab.request("POST", "/api/sessions",
                          {"path": notebook, "type": "notebook", "name": notebook, "kernel": {"name": "python3"}})
    kernel_id = session["kernel"]["id"]
    state["pids"] |= descendants(process.pid)

    stdout, reply, errors = execute(lab, kernel_id, CODE)
    assert reply["status"] == "ok", (reply, errors)
    package_dir, prefix, cwd, profile, progress, kernel_pid = stdout.split("\n")[:6]
    kernel_pid = int(kernel_pid)
    state["pids"] |= descendants(process.pid) | {kernel_pid}
    assert Path(package_dir) == (ROOT / "nndl").resolve(), "内核导入的 nndl 不是本仓库的"
    assert Path(prefix).resolve() == VENV.resolve(), f"内核的 Python 不是 .venv 的：{prefix}"
    assert Path(cwd).resolve() == NOTEBOOKS.resolve(), cwd
    assert profile == "quick"
    assert progress == "unset", "make lab 不应把 NNDL_PROGRESS=0 传给内核（学习者要看到进度条）"
    assert alive(kernel_pid)

    # 关闭：删除会话（内核随之关闭），再关闭服务器；所有进程都应退出。
    lab.request("DELETE", f"/api/sessions/{session['id']}")
    assert lab.request("GET", "/api/kernels") == []
    try:
        lab.request("POST", "/api/shutdown", timeout=10)
    except (urllib.error.URLError, ConnectionError, socket.timeout):
        pass  # 服务器可能在回应之前就关闭了连接
    try:
        code = process.wait(timeout=EXIT_LIMIT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"/api/shutdown 之后 {EXIT_LIMIT:.0f} 秒内 make lab 没有退出", pytrace=False)
    assert code == 0, state["log"].read_text()[-3000:]
    deadline = time.monotonic() + EXIT_LIMIT
    while time.monotonic() < deadline and any(alive(pid) for pid in state["pids"]):
        time.sleep(0.2)
    stray = sorted(pid for pid in state["pids"] if alive(pid))
    assert not stray, f"关闭后仍在运行的进程：{stray}"
    assert len(state["pids"]) >= 3  # make、jupyter lab 服务器、内核（证明确实跟踪到了它们）
