"""The web client's figures in a real headless Chromium against the real stack on loopback; prints the
"Web client" section of BENCHMARKS.md.

    web_bench.py COMMAND      (MAMI_BIN names the binaries; scripts/bench.sh passes the release build)

- shipped JavaScript and CSS, uncompressed and as the gateway sends them gzipped;
- navigation → the conversation view painted, for a signed-in person (cold: the session is restored
  from the refresh cookie, as after a reload);
- navigation → the newest page of a 10 000-message conversation painted;
- an `image_progress` event received by the page → the bar's new width, at the next animation frame.
Times come from the page's own clock (`performance.now()`, whose zero is the navigation's start),
recorded by a script that DevTools adds before the page's own (the page itself carries no probe)."""
import gzip
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Tests", "web"))

from browser import Browser  # noqa: E402
from stack import Stack  # noqa: E402

CLIENT = os.path.join(HERE, "..", "..", "Services", "gateway", "Web", "client")
RUNS = int(os.environ.get("WEB_BENCH_RUNS", "15"))

# Marks the first frame after `#messages` holds a message, and, for each image_progress event the page
# receives, the first frame at which a card's bar shows that event's width.
PROBE = """
(() => {
  const probe = window.__probe = { painted: null, progress: [] };
  const watchPaint = () => {
    const check = () => {
      if (probe.painted === null && document.querySelector('#messages li.message')) {
        requestAnimationFrame(() => { probe.painted = performance.now(); });
        return;
      }
      requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  };
  document.addEventListener('DOMContentLoaded', watchPaint);
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (message) => {
        let event; try { event = JSON.parse(message.data); } catch { return; }
        if (event.type !== 'image_progress' || event.status !== 'running' || !event.progress) return;
        const received = performance.now();
        const want = event.progress + '%';
        const look = (now) => {
          const card = document.querySelector(`mami-image-card[job-id="${event.job_id}"]`);
          const fill = card && card.querySelector('.card-bar > *');
          if (fill && fill.style.width === want) { probe.progress.push(now - received); return; }
          if (now - received < 2000) requestAnimationFrame(look);
        };
        requestAnimationFrame(look);
      });
    }
  };
})();
"""


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def shipped_bytes(stack):
    plain = zipped = 0
    for directory, _, files in os.walk(CLIENT):
        for name in files:
            if not name.endswith((".js", ".css")):
                continue
            path = "/assets/" + os.path.relpath(os.path.join(directory, name), CLIENT)
            plain += len(stack.get(path).body)
            zipped += len(stack.get(path, headers={"Accept-Encoding": "gzip"}).body)
    return plain, zipped


def painted_after_navigation(browser, fragment):
    browser.open("#/")
    browser.find("#composer-input")
    times = []
    for _ in range(RUNS):
        browser.driver.get("about:blank")
        browser.open(fragment)
        times.append(browser.wait(lambda: browser.script("return window.__probe && window.__probe.painted"), "the view painted", 20))
    return times


def big_conversation(stack, session, count):
    messages, parent = [], None
    for index in range(count):
        identifier = f"m{index}"
        role = "user" if index % 2 == 0 else "assistant"
        messages.append({"id": identifier, "parent_id": parent, "role": role,
                         "content": f"message {index}: a line of an ordinary conversation, long enough to wrap once or twice on a phone."})
        parent = identifier
    document = {"format": "mami.conversation", "version": 1, "conversation": {"title": "ten thousand"}, "messages": messages}
    status, body = stack.api("POST", "/conversations/import", document, token=session["access_token"])
    assert status == 201, body
    return body["id"]


def progress_delays(stack, browser, session, jobs):
    browser.open("#/")
    browser.find("#composer-input")
    for index in range(jobs):
        browser.find("#composer-input").send_keys(f"draw a lighthouse number {index}\n")
        browser.wait(lambda: browser.script("return [...document.querySelectorAll('mami-image-card')].every(c => c.getAttribute('status') === 'succeeded')")
                     and len(browser.all("mami-image-card")) == index + 1, "the picture", 60)
    return browser.script("return window.__probe.progress")


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else "Benchmarks/web/web_bench.py"
    stack = Stack.start(step_ms=100, token_ms=5)
    browser = None
    try:
        plain, zipped = shipped_bytes(stack)
        browser = Browser(stack.base)
        browser.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
        browser.sign_up("bench")
        session = stack.request("POST", "/api/v1/auth/login", {"username": "bench", "password": "correct horse battery"}).json()
        status, small = stack.api("POST", "/conversations", {"title": "a short one"}, token=session["access_token"])
        for text in ("hello", "how are you", "tell me about lighthouses"):
            stack.api("POST", f"/conversations/{small['id']}/messages", {"content": text}, token=session["access_token"])
        view = painted_after_navigation(browser, f"#/c/{small['id']}")
        big = big_conversation(stack, session, 10_000)
        large = painted_after_navigation(browser, f"#/c/{big}")
        delays = progress_delays(stack, browser, session, 3)
    finally:
        if browser:
            browser.quit()
        stack.stop()
    print(section(command, plain, zipped, view, large, delays), end="")


def section(command, plain, zipped, view, large, delays):
    def figure(values):
        return f"p50 {statistics.median(values):.0f} ms, p90 {percentile(values, 0.9):.0f} ms (n = {len(values)})"

    def met(value, target):
        return "met" if value <= target else "**not met**"

    lines = [
        "<!-- web:begin -->", "## Web client", "",
        f"Command: `{command}`. Headless Chromium (Debian's chromium, Selenium) against the release build on loopback,",
        "2 cores; times from the page's own clock (zero = navigation start), taken at the animation frame after the change.", "",
        "| figure | value | target |", "|---|---|---|",
        f"| shipped JavaScript + CSS | {plain / 1024:.1f} KB uncompressed, {zipped / 1024:.1f} KB gzipped | ≤ 150 KB uncompressed: {met(plain, 150 * 1024)} |",
        f"| navigation → conversation view painted (signed in, session restored from the cookie) | {figure(view)} | ≤ 500 ms: {met(statistics.median(view), 500)} |",
        f"| navigation → newest page of a 10 000-message conversation painted | {figure(large)} | ≤ 1 s: {met(statistics.median(large), 1000)} |",
    ]
    if delays:
        lines.append(f"| `image_progress` received → bar at its new width | p50 {statistics.median(delays):.1f} ms, p90 {percentile(delays, 0.9):.1f} ms "
                     f"(n = {len(delays)}) | ≤ 50 ms: {met(statistics.median(delays), 50)} |")
    else:
        lines.append("| `image_progress` received → bar at its new width | no sample | ≤ 50 ms |")
    return "\n".join(lines + ["<!-- web:end -->"]) + "\n"


if __name__ == "__main__":
    main()
