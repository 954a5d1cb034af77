"""A progress-socket client for the tests.

ws_client.py URL noauth           connects and sends nothing; prints {"close_code"}
ws_client.py URL badauth          sends a wrong token; prints {"close_code"}
ws_client.py URL until_close TOKEN authenticates and waits for the server to close; prints {"close_code"}
ws_client.py URL events TOKEN N [TYPE]
                                  authenticates, prints {"ready", "events": [...]} after N seconds or the
                                  first terminal event (a job's end, an event of TYPE, by default an
                                  answer's message_completed), whichever comes first
"""
import asyncio
import json
import sys

import websockets


async def close_code(url, first):
    async with websockets.connect(url) as socket:
        if first is not None:
            await socket.send(first)
        try:
            while True:
                await asyncio.wait_for(socket.recv(), timeout=20)
        except websockets.ConnectionClosed as closed:
            return {"close_code": closed.rcvd.code if closed.rcvd else None}


async def until_close(url, token):
    async with websockets.connect(url) as socket:
        await socket.send(json.dumps({"type": "auth", "token": token}))
        print(json.dumps({"ready": json.loads(await asyncio.wait_for(socket.recv(), timeout=10))}), flush=True)
        try:
            while True:
                await asyncio.wait_for(socket.recv(), timeout=60)
        except websockets.ConnectionClosed as closed:
            return {"close_code": closed.rcvd.code if closed.rcvd else None}


async def events(url, token, seconds, last_type):
    received = []
    async with websockets.connect(url) as socket:
        await socket.send(json.dumps({"type": "auth", "token": token}))
        ready = json.loads(await asyncio.wait_for(socket.recv(), timeout=10))
        print(json.dumps({"ready": ready}), flush=True)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            try:
                event = json.loads(await asyncio.wait_for(socket.recv(), timeout=deadline - loop.time()))
            except asyncio.TimeoutError:
                break
            received.append(event)
            if event.get("status") in ("succeeded", "failed", "cancelled") or event.get("type") == last_type:
                break
    return {"events": received}


def main():
    url, mode = sys.argv[1], sys.argv[2]
    if mode == "noauth":
        result = asyncio.run(close_code(url, None))
    elif mode == "badauth":
        result = asyncio.run(close_code(url, json.dumps({"type": "auth", "token": "not-a-token"})))
    elif mode == "until_close":
        result = asyncio.run(until_close(url, sys.argv[3]))
    else:
        last_type = sys.argv[5] if len(sys.argv) > 5 else "message_completed"
        result = asyncio.run(events(url, sys.argv[3], float(sys.argv[4]), last_type))
    print(json.dumps(result), flush=True)


main()
