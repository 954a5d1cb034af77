"""The web client as HTTP serves it, and the browser's cookie session, against the real gateway."""
import asyncio
import concurrent.futures
import gzip
import json
import time
import unittest

import websockets

from stack import Stack

COOKIE = {"X-Mami-Session": "cookie"}


def cookie_value(response):
    for value in response.all("Set-Cookie"):
        if value.startswith("mami_refresh="):
            return value
    return None


class WebClientServing(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack.start()

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    def test_the_page_and_its_files_carry_types_tags_and_security_headers(self):
        page = self.stack.get("/")
        self.assertEqual(page.status, 200)
        self.assertEqual(page.header("Content-Type"), "text/html; charset=utf-8")
        policy = page.header("Content-Security-Policy")
        for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
            self.assertIn(directive, policy)
        self.assertNotIn("unsafe-inline", policy)
        self.assertEqual(page.header("X-Content-Type-Options"), "nosniff")
        self.assertEqual(page.header("Referrer-Policy"), "no-referrer")
        script = self.stack.get("/assets/js/main.js")
        self.assertEqual(script.status, 200)
        self.assertEqual(script.header("Content-Type"), "text/javascript; charset=utf-8")
        self.assertEqual(self.stack.get("/assets/app.css").header("Content-Type"), "text/css; charset=utf-8")
        # The API's answers carry the same headers.
        self.assertEqual(self.stack.get("/api/v1/auth/me").header("X-Content-Type-Options"), "nosniff")

    def test_an_unchanged_file_is_a_304_and_gzip_is_sent_only_when_accepted(self):
        plain = self.stack.get("/assets/js/main.js")
        tag = plain.header("ETag")
        self.assertTrue(tag and tag.startswith('"'))
        self.assertEqual(plain.header("Cache-Control"), "no-cache")
        self.assertIsNone(plain.header("Content-Encoding"))
        self.assertEqual(self.stack.get("/assets/js/main.js", headers={"If-None-Match": tag}).status, 304)
        self.assertEqual(self.stack.get("/assets/js/main.js", headers={"If-None-Match": '"other"'}).status, 200)
        zipped = self.stack.get("/assets/js/main.js", headers={"Accept-Encoding": "br, gzip"})
        self.assertEqual(zipped.header("Content-Encoding"), "gzip")
        self.assertEqual(zipped.header("Vary"), "Accept-Encoding")
        self.assertEqual(gzip.decompress(zipped.body), plain.body)
        self.assertLess(len(zipped.body), len(plain.body))
        refused = self.stack.get("/assets/js/main.js", headers={"Accept-Encoding": "gzip;q=0"})
        self.assertIsNone(refused.header("Content-Encoding"))

    def test_the_page_names_its_files_by_release_and_those_are_kept_for_good(self):
        page = self.stack.get("/").body.decode()
        self.assertEqual(self.stack.get("/").header("Cache-Control"), "no-cache")
        marker = 'src="/assets/r-'
        self.assertIn(marker, page)
        release = page.split(marker)[1].split("/")[0]
        self.assertNotIn('"/assets/js/', page)
        kept = self.stack.get(f"/assets/r-{release}/js/main.js")
        self.assertEqual(kept.status, 200)
        self.assertEqual(kept.header("Cache-Control"), "public, max-age=31536000, immutable")
        self.assertEqual(kept.body, self.stack.get("/assets/js/main.js").body)
        # A page of an older release still gets the files, but not to keep.
        self.assertEqual(self.stack.get("/assets/r-000000000000/js/main.js").header("Cache-Control"), "no-cache")

    def test_paths_outside_the_client_are_not_served(self):
        for path in ("/assets/../Package.swift", "/assets/%2e%2e/index.html", "/assets/.hidden", "/assets/nothing.js"):
            self.assertEqual(self.stack.get(path).status, 404, path)

    def test_a_browser_session_keeps_its_refresh_token_in_a_strict_cookie(self):
        login = self.stack.request("POST", "/api/v1/auth/register", {"username": "selin", "password": "correct horse battery"}, headers=COOKIE)
        self.assertEqual(login.status, 201)
        self.assertNotIn("refresh_token", login.json())
        self.assertIn("access_token", login.json())
        cookie = cookie_value(login)
        for attribute in ("HttpOnly", "SameSite=Strict", "Path=/api/v1/auth"):
            self.assertIn(attribute, cookie)
        self.assertNotIn("Secure", cookie)
        pair = cookie.split(";")[0]
        own = {**COOKIE, "Cookie": pair, "Origin": self.stack.base}
        # From another site: refused, and the cookie is not spent.
        foreign = self.stack.request("POST", "/api/v1/auth/refresh", {}, headers={**own, "Origin": "http://evil.example"})
        self.assertEqual(foreign.status, 403)
        refreshed = self.stack.request("POST", "/api/v1/auth/refresh", {}, headers=own)
        self.assertEqual(refreshed.status, 200)
        self.assertNotIn("refresh_token", refreshed.json())
        rotated = cookie_value(refreshed).split(";")[0]
        self.assertNotEqual(rotated, pair)
        # Behind TLS (a proxy saying so) the cookie is Secure.
        secure = self.stack.request("POST", "/api/v1/auth/refresh", {}, headers={**own, "Cookie": rotated, "X-Forwarded-Proto": "https"})
        self.assertIn("Secure", cookie_value(secure))
        latest = cookie_value(secure).split(";")[0]
        logout = self.stack.request("POST", "/api/v1/auth/logout", {}, headers={**own, "Cookie": latest})
        self.assertEqual(logout.status, 204)
        self.assertIn("Max-Age=0", cookie_value(logout))
        self.assertEqual(self.stack.request("POST", "/api/v1/auth/refresh", {}, headers={**own, "Cookie": latest}).status, 401)
        # API clients keep the JSON refresh token.
        self.assertIn("refresh_token", self.stack.register("tarik"))

    def test_a_password_change_ends_the_other_sessions(self):
        first = self.stack.register("umut")
        second = self.stack.request("POST", "/api/v1/auth/login", {"username": "umut", "password": "correct horse battery"}).json()
        status, _ = self.stack.api("POST", "/auth/password", {"current_password": "wrong one", "new_password": "a new password"}, token=first["access_token"])
        self.assertEqual(status, 403)
        status, body = self.stack.api("POST", "/auth/password", {"current_password": "correct horse battery", "new_password": "a new password"},
                                      token=first["access_token"])
        self.assertEqual(status, 200)
        self.assertEqual(self.stack.api("GET", "/auth/me", token=second["access_token"])[0], 401)
        self.assertEqual(self.stack.api("POST", "/auth/refresh", {"refresh_token": second["refresh_token"]})[0], 401)
        self.assertEqual(self.stack.api("GET", "/auth/me", token=body["access_token"])[0], 200)
        login = self.stack.request("POST", "/api/v1/auth/login", {"username": "umut", "password": "a new password"})
        self.assertEqual(login.status, 200)

    def test_forget_all_erases_the_persons_memories_only(self):
        ayla, baran = self.stack.register("ayla"), self.stack.register("baran")
        for session, text in ((ayla, "Ayla plays the violin"), (ayla, "Ayla lives in Bursa"), (baran, "Baran likes tea")):
            self.assertEqual(self.stack.api("POST", "/memories", {"text": text}, token=session["access_token"])[0], 201)
        status, body = self.stack.api("DELETE", "/memories", token=ayla["access_token"])
        self.assertEqual((status, body), (200, {"memories": 2}))
        self.assertEqual(self.stack.api("GET", "/memories", token=ayla["access_token"])[1]["items"], [])
        self.assertEqual(len(self.stack.api("GET", "/memories", token=baran["access_token"])[1]["items"]), 1)


    def test_pages_and_browser_sessions_hold_with_many_browsers_at_once(self):
        tag = self.stack.get("/assets/js/main.js").header("ETag")
        script = self.stack.get("/assets/js/main.js").body

        def browser(index):
            # One browser's visit: the page and its files, a cookie session rotated three times, its
            # conversation read by id, everything forgotten, a logout.
            own = {**COOKIE, "Origin": self.stack.base}
            assert self.stack.get("/").status == 200
            assert self.stack.get("/assets/js/main.js", headers={"If-None-Match": tag}).status == 304
            assert gzip.decompress(self.stack.get("/assets/js/main.js", headers={"Accept-Encoding": "gzip"}).body) == script
            login = self.stack.request("POST", "/api/v1/auth/register", {"username": f"many{index}", "password": "correct horse battery"}, headers=own)
            assert login.status == 201, login.body
            cookie, token = cookie_value(login).split(";")[0], login.json()["access_token"]
            for _ in range(3):
                refreshed = self.stack.request("POST", "/api/v1/auth/refresh", {}, headers={**own, "Cookie": cookie})
                assert refreshed.status == 200, refreshed.body
                cookie, token = cookie_value(refreshed).split(";")[0], refreshed.json()["access_token"]
            status, conversation = self.stack.api("POST", "/conversations", {"title": f"visit {index}"}, token=token)
            assert status == 201
            assert self.stack.api("GET", f"/conversations/{conversation['id']}", token=token)[1]["title"] == f"visit {index}"
            assert self.stack.api("DELETE", "/memories", token=token) == (200, {"memories": 0})
            assert self.stack.request("POST", "/api/v1/auth/logout", {}, headers={**own, "Cookie": cookie}).status == 204
            return index

        with concurrent.futures.ThreadPoolExecutor(24) as pool:
            self.assertEqual(sorted(pool.map(browser, range(48))), list(range(48)))

    def test_a_conversation_that_begins_with_a_drawing_is_titled_after_it(self):
        token = self.stack.register("yesim")["access_token"]
        _, conversation = self.stack.api("POST", "/conversations", {}, token=token)
        status, _ = self.stack.api("POST", f"/conversations/{conversation['id']}/messages", {"content": "draw a kite over the sea"}, token=token)
        self.assertEqual(status, 202)
        deadline = time.monotonic() + 10
        while self.stack.api("GET", f"/conversations/{conversation['id']}", token=token)[1]["title"] != "draw a kite over the sea":
            self.assertLess(time.monotonic(), deadline, "the conversation was not titled after the drawing")
            time.sleep(0.05)

    def test_a_socket_that_comes_back_gets_the_events_it_missed(self):
        session = self.stack.register("vedat")
        url = self.stack.base.replace("http", "ws") + "/api/v1/ws"

        async def connect(since=None):
            socket = await websockets.connect(url)
            await socket.send(json.dumps({"type": "auth", "token": session["access_token"], **({"since": since} if since else {})}))
            ready = json.loads(await asyncio.wait_for(socket.recv(), 10))
            return socket, ready

        async def until(socket, done):
            seen = []
            while not (seen and done(seen[-1])):
                event = json.loads(await asyncio.wait_for(socket.recv(), 30))
                if event["type"] != "heartbeat":
                    seen.append(event)
            return seen

        async def scenario():
            socket, ready = await connect()
            self.assertEqual(ready["resumed"], False)
            status, job = self.stack.api("POST", "/images", {"prompt": "a kite", "steps": 30}, token=session["access_token"])
            self.assertEqual(status, 202)
            first = await until(socket, lambda event: event.get("status") == "running")
            await socket.close()
            # Away while the job draws and ends.
            deadline = time.monotonic() + 30
            while self.stack.api("GET", f"/jobs/{job['job_id']}", token=session["access_token"])[1]["status"] != "succeeded":
                self.assertLess(time.monotonic(), deadline)
                await asyncio.sleep(0.05)
            socket, ready = await connect(since=first[-1]["event_id"])
            self.assertEqual(ready["resumed"], True)
            missed = await until(socket, lambda event: event.get("status") == "succeeded")
            await socket.close()
            numbers = [int(event["event_id"].split(".")[1]) for event in first + missed]
            self.assertEqual(numbers, list(range(numbers[0], numbers[0] + len(numbers))))
            # An id the gateway cannot account for: no replay, read the state again.
            socket, ready = await connect(since="1.1")
            self.assertEqual(ready["resumed"], False)
            await socket.close()

        asyncio.run(scenario())


if __name__ == "__main__":
    unittest.main()
