"""Concurrent load on a running gateway, as many real clients at once.

Plain asyncio HTTP/1.1 (one connection per request, chunked bodies read as they
arrive) and the `websockets` package. Usage:

    load.py burst BASE TOKEN STREAMS
        STREAMS first-time streamed OpenAI chats of one user, all at once.
    load.py mixed BASE CONFIG.json
        For CONFIG["rounds"] rounds each: CONFIG["openai"] OpenAI streams and
        CONFIG["native"] native SSE streams spread over CONFIG["users"]
        (new and existing conversations), memory searches, model lists, image
        submissions and cancels, WebSocket clients, and /health polled throughout.

Prints one JSON object: per kind the outcomes counted by name, the answers
each client saw (message ids), unexplained errors, and /health's slowest answer.
"""
import asyncio
import json
import sys
import time
import urllib.parse

import websockets

TIMEOUT = 120


class Response:
    def __init__(self, status, body):
        self.status = status
        self.body = body

    def json(self):
        return json.loads(self.body or b"null")


async def http(base, method, path, body=None, token=None, accept=None, on_chunk=None, timeout=TIMEOUT):
    """One request on a fresh connection; `on_chunk` receives body pieces as they arrive."""
    return await asyncio.wait_for(_http(base, method, path, body, token, accept, on_chunk), timeout)


async def _http(base, method, path, body, token, accept, on_chunk):
    url = urllib.parse.urlsplit(base)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    try:
        payload = json.dumps(body).encode() if body is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: {url.netloc}", "Connection: close", f"Content-Length: {len(payload)}"]
        if body is not None:
            head.append("Content-Type: application/json")
        if token:
            head.append(f"Authorization: Bearer {token}")
        if accept:
            head.append(f"Accept: {accept}")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        await writer.drain()
        status_line = await reader.readline()
        status = int(status_line.split()[1])
        headers = {}
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        chunks = []
        deliver = on_chunk or chunks.append
        if headers.get("transfer-encoding") == "chunked":
            while True:
                size = int((await reader.readline()).strip() or b"0", 16)
                if size == 0:
                    break
                deliver(await reader.readexactly(size))
                await reader.readexactly(2)
        elif "content-length" in headers:
            deliver(await reader.readexactly(int(headers["content-length"])))
        else:
            deliver(await reader.read())
        return Response(status, b"".join(chunks))
    finally:
        writer.close()


class SSEReader:
    """Splits a streamed body into `data:` payloads (and their `event:` names)."""

    def __init__(self):
        self.pending = b""
        self.events = []
        self.first_content_at = None

    def feed(self, chunk):
        self.pending += chunk
        while b"\n\n" in self.pending:
            block, self.pending = self.pending.split(b"\n\n", 1)
            event, data = "message", b""
            for line in block.split(b"\n"):
                if line.startswith(b"event: "):
                    event = line[7:].decode()
                elif line.startswith(b"data: "):
                    data += line[6:]
            if data:
                self.events.append((event, data))


class Tally:
    def __init__(self):
        self.kinds = {}
        self.unexplained = []
        self.answers = []
        self.jobs = []
        self.sockets = []

    def count(self, kind, outcome):
        self.kinds.setdefault(kind, {}).setdefault(outcome, 0)
        self.kinds[kind][outcome] += 1

    def fail(self, kind, what):
        self.count(kind, "unexplained")
        if len(self.unexplained) < 20:
            self.unexplained.append(f"{kind}: {what}")


async def openai_chat(base, token, text, tally):
    sse = SSEReader()
    body = {"model": "any", "stream": True, "messages": [{"role": "user", "content": text}]}
    response = await http(base, "POST", "/v1/chat/completions", body, token, on_chunk=sse.feed)
    if response.status != 200:
        return tally.fail("openai", f"HTTP {response.status}: {response.body[:200]!r}")
    if not sse.events or sse.events[-1][1] != b"[DONE]":
        return tally.fail("openai", f"no [DONE]: {sse.events[-3:]!r}")
    chunks = [json.loads(data) for _, data in sse.events[:-1]]
    errors = [chunk["error"]["code"] for chunk in chunks if "error" in chunk]
    if errors:
        return tally.count("openai", errors[0])
    text_back = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices"))
    if not text_back:
        return tally.fail("openai", "an empty answer")
    tally.answers.append({"api": "openai", "id": chunks[0]["id"].removeprefix("chatcmpl-"), "text": text_back})
    tally.count("openai", "ok")


async def native_chat(base, token, conversation, text, tally):
    sse = SSEReader()
    path = f"/api/v1/conversations/{conversation}/messages"
    response = await http(base, "POST", path, {"content": text}, token, accept="text/event-stream", on_chunk=sse.feed)
    if response.status != 200:
        return tally.fail("native", f"HTTP {response.status}: {response.body[:200]!r}")
    names = [event for event, _ in sse.events]
    if not names or names[0] != "message" or names[-1] not in ("done", "error"):
        return tally.fail("native", f"events {names[:3]}…{names[-3:]}")
    last = json.loads(sse.events[-1][1])
    if names[-1] == "error":
        return tally.count("native", last["error"]["code"])
    tally.answers.append({"api": "native", "id": last["id"], "conversation": conversation, "text": last["content"]})
    tally.count("native", "ok")


async def burst(base, token, streams):
    tally = Tally()
    await asyncio.gather(*(guarded(tally, "openai", openai_chat(base, token, f"first question {i}", tally)) for i in range(streams)))
    return tally


async def guarded(tally, kind, work):
    try:
        await work
    except asyncio.TimeoutError:
        tally.fail(kind, f"no answer within {TIMEOUT} s")
    except Exception as error:  # noqa: BLE001 - every failure is reported, none is lost
        tally.fail(kind, f"{type(error).__name__}: {error}")


async def streams_of(kind, rounds, chat, tally):
    for round_ in range(rounds):
        await guarded(tally, kind, chat(round_))


async def memory_searches(base, users, rounds, tally):
    for round_ in range(rounds):
        user = users[round_ % len(users)]
        async def search():
            response = await http(base, "POST", "/api/v1/memories/search", {"query": f"round {round_}", "k": 3}, user["token"])
            tally.count("memory_search", "ok" if response.status == 200 else f"HTTP {response.status}")
        await guarded(tally, "memory_search", search())


async def model_lists(base, users, rounds, tally):
    for round_ in range(rounds):
        user = users[round_ % len(users)]
        async def models():
            response = await http(base, "GET", "/api/v1/models", token=user["token"])
            tally.count("models", "ok" if response.status == 200 and response.json()["items"] else f"HTTP {response.status}")
        await guarded(tally, "models", models())


async def images(base, user, rounds, tally):
    """Submits small images; cancels every other one at once."""
    for round_ in range(rounds):
        async def submit():
            body = {"prompt": f"a lighthouse, take {round_}", "steps": 4, "width": 64, "height": 64}
            created = await http(base, "POST", "/api/v1/images", body, user["token"])
            if created.status not in (200, 201, 202):
                return tally.fail("image", f"HTTP {created.status}: {created.body[:200]!r}")
            tally.count("image", "submitted")
            job = created.json()["job_id"]
            tally.jobs.append(job)
            if round_ % 2 == 0:
                cancel = await http(base, "POST", f"/api/v1/jobs/{job}/cancel", {}, user["token"])
                tally.count("image_cancel", "ok" if cancel.status in (200, 409) else f"HTTP {cancel.status}")
        await guarded(tally, "image", submit())


async def socket_client(base, user, stop, tally):
    url = base.replace("http://", "ws://") + "/api/v1/ws"
    async def watch():
        async with websockets.connect(url, open_timeout=TIMEOUT) as socket:
            await socket.send(json.dumps({"type": "auth", "token": user["token"]}))
            jobs = set()
            while not stop.is_set():
                try:
                    event = json.loads(await asyncio.wait_for(socket.recv(), 0.5))
                    if event.get("type") == "image_progress":
                        jobs.add(event["job_id"])
                except asyncio.TimeoutError:
                    pass
            tally.sockets.append({"user": user["id"], "jobs": sorted(jobs)})
            tally.count("websocket", "ok")
    await guarded(tally, "websocket", watch())


async def health_poller(base, stop, record):
    while not stop.is_set():
        started = time.monotonic()
        try:
            response = await http(base, "GET", "/health", timeout=10)
            record["answers"] += 1
            record["statuses"][str(response.status)] = record["statuses"].get(str(response.status), 0) + 1
        except Exception as error:  # noqa: BLE001
            record["failures"].append(f"{type(error).__name__}: {error}")
        record["slowest_ms"] = max(record["slowest_ms"], (time.monotonic() - started) * 1000)
        await asyncio.sleep(0.1)


async def mixed(base, config):
    tally = Tally()
    users = config["users"]
    rounds = config["rounds"]
    stop = asyncio.Event()
    health = {"answers": 0, "statuses": {}, "failures": [], "slowest_ms": 0.0}
    background = [asyncio.create_task(health_poller(base, stop, health))]
    background += [asyncio.create_task(socket_client(base, users[i % len(users)], stop, tally)) for i in range(config["websockets"])]
    work = []
    for i in range(config["openai"]):
        user = users[i % len(users)]
        work.append(streams_of("openai", rounds, lambda r, u=user, i=i: openai_chat(base, u["token"], f"openai {i} round {r}", tally), tally))
    for i in range(config["native"]):
        user = users[i % len(users)]
        existing = user["conversations"][i % len(user["conversations"])]
        async def chat(round_, user=user, i=i, existing=existing):
            conversation = existing
            if round_ % 2 == 1:  # every other round in a new conversation
                created = await http(base, "POST", "/api/v1/conversations", {"title": f"load {i}.{round_}"}, user["token"])
                conversation = created.json()["id"]
            # A statement about the writer: each answer is followed by a fact extraction and memory writes.
            await native_chat(base, user["token"], conversation, f"I am native stream {i} in round {round_}", tally)
        work.append(streams_of("native", rounds, chat, tally))
    work += [memory_searches(base, users, rounds * 4, tally), model_lists(base, users, rounds * 4, tally),
             images(base, users[0], rounds * 2, tally)]
    started = time.monotonic()
    await asyncio.gather(*work)
    elapsed = time.monotonic() - started
    stop.set()
    await asyncio.gather(*background)
    return tally, {"health": health, "elapsed_s": round(elapsed, 2)}


def main():
    mode, base = sys.argv[1], sys.argv[2]
    extra = {}
    if mode == "burst":
        tally = asyncio.run(burst(base, sys.argv[3], int(sys.argv[4])))
    else:
        with open(sys.argv[3]) as file:
            tally, extra = asyncio.run(mixed(base, json.load(file)))
    print(json.dumps({"kinds": tally.kinds, "unexplained": tally.unexplained, "answers": tally.answers,
                      "jobs": tally.jobs, "sockets": tally.sockets, **extra}))


if __name__ == "__main__":
    main()
