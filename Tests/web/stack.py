"""The real stack for the web client's tests: mami-sim (Forge and the LLM), the memory service, the
image worker and the gateway, each a process of its own with its state in a scratch directory, the
gateway on a free loopback port. Binaries come from MAMI_BIN (default: the debug build)."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def binary_directory():
    given = os.environ.get("MAMI_BIN")
    if given:
        return given
    return subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def encoder_model():
    return subprocess.run([os.path.join(ROOT, "scripts", "encoder-model.sh")], capture_output=True, text=True, check=True).stdout.strip()


class Response:
    def __init__(self, status, header_list, body):
        self.status, self.header_list, self.body = status, header_list, body
        self.headers = {key.lower(): value for key, value in header_list}

    def json(self):
        return json.loads(self.body) if self.body else None

    def header(self, name):
        return self.headers.get(name.lower())

    def all(self, name):
        return [value for key, value in self.header_list if key.lower() == name.lower()]


class Stack:
    """Start with `Stack.start(**settings)`; `stop()` ends every process it started, by pid."""

    def __init__(self, settings, step_ms, token_ms):
        self.directory = tempfile.mkdtemp(prefix="mami-web-")
        self.bin = binary_directory()
        self.port = free_port()
        self.forge_port, self.llm_port = free_port(), free_port()
        self.processes = {}
        self.settings = {
            "MAMI_RUNTIME_DIR": f"{self.directory}/run", "MAMI_STATE_DIR": f"{self.directory}/lib",
            "MAMI_EMBED_MODEL_PATH": encoder_model(), "MAMI_HTTP_ADDR": f"127.0.0.1:{self.port}",
            "MAMI_OLLAMA_URL": f"http://127.0.0.1:{self.llm_port}", "MAMI_FORGE_URL": f"http://127.0.0.1:{self.forge_port}",
            "MAMI_BCRYPT_COST": "4", "MAMI_IMAGE_POLL_MS": "100", "MAMI_AUTH_ATTEMPTS_PER_MINUTE": "1000",
            "MAMI_CHAT_PER_MINUTE": "100000", "MAMI_CHAT_PER_MINUTE_PER_IP": "100000", "MAMI_IMAGE_JOBS_PER_USER": "1000",
        }
        self.settings.update(settings)
        self.sim_arguments = ["--forge-port", str(self.forge_port), "--ollama-port", str(self.llm_port),
                              "--step-ms", str(step_ms), "--token-ms", str(token_ms)]

    @classmethod
    def start(cls, step_ms=40, token_ms=40, **settings):
        stack = cls({key: str(value) for key, value in settings.items()}, step_ms, token_ms)
        try:
            stack.launch("sim", stack.sim_arguments)
            stack.wait(lambda: stack.sim("GET", "/_sim/calls").status == 200, "mami-sim")
            for name in ("memory", "image-worker", "gateway"):
                stack.launch(name)
            stack.wait(lambda: (stack.get("/health").json() or {}).get("status") == "ok", "the gateway's /health")
        except BaseException:
            stack.stop()
            raise
        return stack

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def launch(self, name, arguments=()):
        environment = dict(os.environ, **self.settings)
        with open(f"{self.directory}/{name}.log", "ab") as log:
            self.processes[name] = subprocess.Popen([f"{self.bin}/mami-{name}", *arguments], env=environment,
                                                    stdout=log, stderr=subprocess.STDOUT, cwd=self.directory)

    def wait(self, ready, what, within=30):
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                if ready():
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"{what} did not come up; logs in {self.directory}")

    def stop(self):
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if os.environ.get("MAMI_KEEP_LOGS") is None:
            shutil.rmtree(self.directory, ignore_errors=True)

    # HTTP

    def request(self, method, path, body=None, token=None, headers=None, port=None, raw=None):
        connection = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=60)
        all_headers = dict(headers or {})
        payload = raw
        if body is not None:
            payload = json.dumps(body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        connection.request(method, path, body=payload, headers=all_headers)
        answer = connection.getresponse()
        response = Response(answer.status, answer.getheaders(), answer.read())
        connection.close()
        return response

    def get(self, path, **options):
        return self.request("GET", path, **options)

    def register(self, username, password="correct horse battery"):
        response = self.request("POST", "/api/v1/auth/register", {"username": username, "password": password})
        assert response.status == 201, response.body
        return response.json()

    def api(self, method, path, body=None, token=None):
        response = self.request(method, "/api/v1" + path, body, token=token)
        return response.status, response.json()

    # mami-sim's control API

    def sim(self, method, path, body=None):
        return self.request(method, path, body, port=self.llm_port)

    def fault(self, endpoint, mode, count=None):
        fault = {"endpoint": endpoint, "mode": mode}
        if count is not None:
            fault["count"] = count
        assert self.sim("POST", "/_sim/faults", fault).status == 200

    def clear_faults(self):
        self.sim("DELETE", "/_sim/faults")

    def sim_calls(self, path=None):
        calls = self.sim("GET", "/_sim/calls").json()["calls"]
        return [call for call in calls if path is None or call["path"] == path]

    def log(self, name):
        with open(f"{self.directory}/{name}.log", errors="replace") as file:
            return file.read()


def query(**parameters):
    return "?" + urllib.parse.urlencode(parameters)
