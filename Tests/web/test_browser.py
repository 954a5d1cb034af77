"""The web client in a real headless Chromium against the real stack (mami-sim for Forge and the LLM).
Each class has a stack of its own; screenshots go to .build/screenshots (MAMI_SCREENSHOTS)."""
import time
import unittest

from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from browser import PHONE, Browser
from stack import Stack

LONG = ("tell me a story about a lighthouse keeper who counts the waves every night and writes each number "
        "in a blue notebook until the sea answers back with a song")
DEGRADED_REPLY = "The assistant's AI is switched off by the operator for now (degraded mode)."


def answer(browser):
    """The newest answer's status and text, read in one step (the page may replace the element)."""
    return browser.script("""
        const answers = document.querySelectorAll('#messages li.message[data-role=assistant]');
        const last = answers[answers.length - 1];
        return last ? [last.dataset.status, last.querySelector('.message-body').innerText.trim()] : [null, ''];""")


def answered(browser):
    status, text = answer(browser)
    return text if status == "complete" else None


def send(browser, text):
    """Types `text` into the composer (a newline as Shift+Enter) and sends it with Enter."""
    box = browser.find("#composer-input")
    for index, line in enumerate(text.split("\n")):
        if index:
            box.send_keys(Keys.SHIFT, Keys.ENTER)
        box.send_keys(line)
    box.send_keys(Keys.ENTER)


def answer_text(browser):
    return answer(browser)[1]


def card(browser, job_id=None):
    selector = f"mami-image-card[job-id='{job_id}']" if job_id else "mami-image-card"
    cards = browser.all(selector)
    return cards[-1] if cards else None


def card_state(browser, job_id=None):
    element = card(browser, job_id)
    if element is None:
        return None
    return {name: element.get_attribute(name) for name in ("job-id", "status", "progress", "position", "eta", "prompt", "error")}


class BrowserTestCase(unittest.TestCase):
    stack_settings = {}

    @classmethod
    def setUpClass(cls):
        cls.stack = Stack.start(**cls.stack_settings)
        cls.browsers = []

    @classmethod
    def tearDownClass(cls):
        for browser in cls.browsers:
            browser.quit()
        cls.stack.stop()

    def browser(self, **options):
        browser = Browser(self.stack.base, **options)
        type(self).browsers.append(browser)
        return browser

    def wait_status(self, browser, status, job_id=None, within=60):
        return browser.wait(lambda: (card_state(browser, job_id) or {}).get("status") == status and card_state(browser, job_id),
                            f"the card to be {status} (now {card_state(browser, job_id)})", within)


class ChatInTheBrowser(BrowserTestCase):
    stack_settings = {"token_ms": 60}

    def test_an_answer_streams_in_survives_a_reload_and_the_sidebar_lists_it(self):
        browser = self.browser()
        browser.sign_up("ayse")
        browser.screenshot("chat-empty-desktop-light", theme="light")
        send(browser, LONG)
        lengths = []
        browser.wait(lambda: answer(browser)[0] == "streaming", "the answer to start streaming")
        while (state := answer(browser))[0] == "streaming":
            lengths.append(len(state[1]))
            time.sleep(0.05)
        final = browser.wait(lambda: answered(browser), "the answer to be complete")
        grown = sorted(set(length for length in lengths if length > 0))
        self.assertGreaterEqual(len(grown), 3, f"the text did not grow over several reads: {lengths}")
        self.assertEqual(final, "You said: " + LONG)
        self.assertEqual(browser.wait(lambda: len(browser.all("#conversation-list li[data-conversation-id]")), "the sidebar entry"), 1)
        browser.screenshot("chat-answer-desktop-light", theme="light")
        browser.screenshot("chat-answer-desktop-dark", theme="dark")
        browser.driver.refresh()
        browser.wait(lambda: answer_text(browser) == final, "the answer after a reload")
        self.assertEqual(len(browser.all("#conversation-list li[data-conversation-id]")), 1)

    def test_a_reload_mid_answer_follows_it_to_its_end(self):
        browser = self.browser()
        browser.sign_up("bora")
        send(browser, LONG + " again")
        browser.wait(lambda: len(answer_text(browser)) > 12, "the answer to begin")
        browser.driver.refresh()
        final = browser.wait(lambda: answered(browser), "the reattached answer to end", within=30)
        self.assertEqual(final, "You said: " + LONG + " again")

    def test_markup_in_messages_is_shown_as_text_and_nothing_leaves_the_origin(self):
        browser = self.browser()
        browser.sign_up("cem")
        hostile = "<img src=x onerror=alert(1)> and <script>alert(2)</script> **bold**"
        send(browser, hostile)
        browser.wait(lambda: answered(browser), "the answer")
        user_text = browser.all("#messages li.message[data-role=user] .message-body")[-1].text
        self.assertEqual(user_text, hostile)
        self.assertIn("<img src=x onerror=alert(1)>", answer_text(browser))
        self.assertEqual(browser.all("#messages img[src='x']"), [])
        self.assertEqual(browser.all("#messages script"), [])
        self.assertEqual(len(browser.all("#messages li.message[data-role=assistant] .message-body strong")), 1)
        self.assertIsNone(browser.alert_text())
        origin = self.stack.base
        entries = browser.script("return performance.getEntries().map(e => e.name)")
        foreign = [name for name in entries if name.startswith(("http:", "https:", "ws:", "wss:")) and not name.startswith((origin, origin.replace("http", "ws")))]
        self.assertEqual(foreign, [])
        requested = [event["params"]["request"]["url"] for event in browser.network_events() if event["method"] == "Network.requestWillBeSent"]
        self.assertTrue(requested)
        self.assertEqual([url for url in requested if not url.startswith((origin, "blob:", "data:"))], [])
        self.assertEqual([line for line in browser.console() if "Content Security Policy" in line], [])


class ImageCardsInTheBrowser(BrowserTestCase):
    stack_settings = {"step_ms": 200}

    def submit_direct(self, session, prompt):
        status, body = self.stack.api("POST", "/images", {"prompt": prompt}, token=session["access_token"])
        self.assertEqual(status, 202, body)
        return body["job_id"]

    def wait_job(self, session, job_id, status, within=60):
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            job = self.stack.api("GET", f"/jobs/{job_id}", token=session["access_token"])[1]
            if job["status"] == status:
                return job
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} never became {status}")

    def test_a_card_shows_its_place_its_progress_a_reload_and_the_picture(self):
        other = self.stack.register("queue-filler")
        first = self.submit_direct(other, "a first picture ahead")
        self.wait_job(other, first, "running")
        self.submit_direct(other, "a second picture ahead")
        self.submit_direct(other, "a third picture ahead")
        browser = self.browser()
        browser.sign_up("deniz")
        send(browser, "draw a lighthouse at dusk")
        state = browser.wait(lambda: card_state(browser) and card_state(browser)["position"] and card_state(browser), "the card")
        self.assertEqual(state["status"], "queued")
        self.assertEqual(state["position"], "3")
        self.assertIn("3", browser.find("mami-image-card .card-position").text)
        self.assertIn("lighthouse", browser.find("mami-image-card .card-prompt").text)
        self.assertTrue(browser.find("mami-image-card .card-eta").text)
        browser.screenshot("image-card-queued-desktop-light", theme="light")
        positions = [3]
        while (card_state(browser) or {}).get("status") == "queued":
            position = int(card_state(browser)["position"] or 0)
            if position and position != positions[-1]:
                positions.append(position)
            time.sleep(0.05)
        self.assertEqual(positions, [3, 2, 1], "the card's place did not count down")
        progress = []
        while (card_state(browser) or {}).get("status") == "running":
            value = int(card_state(browser)["progress"] or 0)
            if not progress or value != progress[-1]:
                progress.append(value)
            if value >= 40:
                break
            time.sleep(0.05)
        self.assertGreaterEqual(len(progress), 2, f"the bar did not rise: {progress}")
        self.assertEqual(progress, sorted(progress))
        width = browser.script("return document.querySelector('mami-image-card .card-bar [class*=fill], mami-image-card .card-bar > *').style.width")
        self.assertTrue(width.endswith("%"), width)
        browser.screenshot("image-card-running-desktop-light", theme="light")
        before = progress[-1]
        browser.driver.refresh()
        state = browser.wait(lambda: card_state(browser) and card_state(browser)["status"] in ("running", "succeeded") and card_state(browser),
                             "the card after a reload")
        if state["status"] == "running":
            self.assertGreaterEqual(int(state["progress"]), before)
        self.wait_status(browser, "succeeded")
        image = browser.find("mami-image-card img.card-image")
        browser.wait(lambda: browser.script("return arguments[0].complete && arguments[0].naturalWidth", image), "the picture to load")
        browser.screenshot("image-card-done-desktop-light", theme="light")
        browser.screenshot("image-card-done-desktop-dark", theme="dark")
        image.click()
        lightbox = browser.find("dialog#lightbox")
        self.assertTrue(lightbox.get_attribute("open") is not None)
        browser.screenshot("lightbox-desktop-dark", theme="dark")
        lightbox.send_keys(Keys.ESCAPE)
        browser.wait(lambda: browser.script("return !document.querySelector('dialog#lightbox').open"), "the lightbox to close")
        first_job = card_state(browser)["job-id"]
        browser.click("mami-image-card [data-action=regenerate]")
        browser.wait(lambda: card_state(browser) and card_state(browser)["job-id"] != first_job, "a new job on the card")
        self.wait_status(browser, "succeeded")
        self.assertEqual(browser.find("mami-image-card").find_element("xpath", "ancestor::li").find_element("css selector", ".branch-position").text, "2/2")

    def test_a_failing_forge_shows_the_message_and_retry_works_once_it_is_back(self):
        browser = self.browser()
        browser.sign_up("ece")
        self.stack.fault("/sdapi/v1/txt2img", "error")
        send(browser, "draw a bridge in the fog")
        self.wait_status(browser, "failed", within=90)
        self.assertTrue(browser.find("mami-image-card .card-error").text)
        placeholder = browser.find("mami-image-card img")
        browser.wait(lambda: browser.script("return arguments[0].complete && arguments[0].naturalWidth", placeholder), "the placeholder")
        browser.screenshot("image-card-failed-desktop-light", theme="light")
        self.stack.clear_faults()
        browser.click("mami-image-card [data-action=retry]")
        self.wait_status(browser, "succeeded", within=90)

    def test_cancel_on_a_running_card_interrupts_forge(self):
        browser = self.browser()
        browser.sign_up("filiz")
        send(browser, "draw a fox in the snow")
        self.wait_status(browser, "running")
        self.stack.sim("DELETE", "/_sim/calls")
        browser.click("mami-image-card [data-action=cancel]")
        self.wait_status(browser, "cancelled")
        browser.wait(lambda: self.stack.sim_calls("/sdapi/v1/interrupt"), "Forge's interrupt")


class PeopleApartInTheBrowser(BrowserTestCase):
    stack_settings = {"step_ms": 20}

    def test_two_people_never_see_each_others_conversations_cards_or_events(self):
        ayse, bora = self.browser(), self.browser()
        ayse.sign_up("ayse")
        bora.sign_up("bora")
        bora.network_events()
        send(ayse, "draw ayse's secret garden")
        job = self.wait_status(ayse, "succeeded")["job-id"]
        conversation = ayse.attribute("#conversation-list li[data-conversation-id]", "data-conversation-id")
        send(bora, "hello from bora")
        bora.wait(lambda: answered(bora), "bora's answer")
        self.assertEqual(len(bora.all("#conversation-list li[data-conversation-id]")), 1)
        self.assertNotEqual(bora.attribute("#conversation-list li[data-conversation-id]", "data-conversation-id"), conversation)
        self.assertEqual(bora.all("mami-image-card"), [])
        frames = [event["params"]["response"]["payloadData"] for event in bora.network_events()
                  if event["method"] == "Network.webSocketFrameReceived"]
        self.assertTrue(frames, "bora's page had no socket")
        self.assertEqual([frame for frame in frames if job in frame or conversation in frame], [])
        bora.open(f"#/c/{conversation}")
        time.sleep(1)
        self.assertEqual(bora.all("#messages li.message"), [])
        self.assertEqual(bora.all("mami-image-card"), [])


class MemoriesAndAdministration(BrowserTestCase):
    def test_memories_listed_deleted_degraded_mode_and_no_admin_page_for_others(self):
        admin = self.browser()
        admin.sign_up("admin")
        person = self.browser()
        person.sign_up("gul")
        send(person, "I live in Izmir and I love cats")
        person.wait(lambda: answered(person), "the answer")
        person.open("#/memories")
        item = person.wait(lambda: person.visible("#memory-list li[data-memory-id]"), "the remembered fact", within=30)
        self.assertIn("Izmir", item.find_element("css selector", ".memory-text").text)
        self.assertTrue(item.find_element("css selector", ".memory-origin").text)
        person.screenshot("memories-from-chat-desktop-light", theme="light")
        item.find_element("css selector", "[data-action=delete]").click()
        ok = person.visible("dialog#confirm button[value=ok]")
        if ok:
            ok.click()
        person.wait(lambda: not person.all("#memory-list li[data-memory-id]"), "the memory to go")
        login = self.stack.request("POST", "/api/v1/auth/login", {"username": "gul", "password": "correct horse battery"}).json()
        self.assertEqual(self.stack.api("GET", "/memories", token=login["access_token"])[1]["items"], [])
        # The person is not an admin: no admin link, no admin page, and the API refuses.
        self.assertIsNone(person.visible("a[href='#/admin']"))
        person.open("#/admin")
        time.sleep(0.5)
        self.assertIsNone(person.visible("select#mode"))
        self.assertEqual(self.stack.api("GET", "/admin/stats", token=login["access_token"])[0], 403)
        # The admin switches to degraded mode: the next chat answer is the degraded reply.
        admin.open("#/admin")
        Select(admin.find("select#mode")).select_by_value("degraded")
        admin.wait(lambda: self.stack.api("GET", "/admin/stats", token=self.admin_token())[1]["mode"] == "degraded", "degraded mode")
        admin.find("#admin-health")
        admin.screenshot("admin-desktop-light", theme="light")
        person.open("#/")
        send(person, "are you there")
        person.wait(lambda: DEGRADED_REPLY in answer_text(person), "the degraded reply")
        Select(admin.find("select#mode")).select_by_value("normal")
        admin.wait(lambda: self.stack.api("GET", "/admin/stats", token=self.admin_token())[1]["mode"] == "normal", "normal mode")

    def admin_token(self):
        return self.stack.request("POST", "/api/v1/auth/login", {"username": "admin", "password": "correct horse battery"}).json()["access_token"]


class SessionsInTheBrowser(BrowserTestCase):
    stack_settings = {"MAMI_ACCESS_TOKEN_TTL_S": 10, "MAMI_WS_HEARTBEAT_S": 2}

    def test_an_expiring_access_token_does_not_sign_the_person_out(self):
        browser = self.browser()
        browser.sign_up("hale")
        send(browser, "first message")
        browser.wait(lambda: answer_text(browser) == "You said: first message", "the first answer")
        time.sleep(23)
        self.assertIsNone(browser.visible("#auth-form"))
        send(browser, "second message")
        browser.wait(lambda: answer_text(browser) == "You said: second message", "the answer after two expiries", within=20)
        browser.open("#/memories")
        browser.find("#memory-list")
        self.assertIsNone(browser.visible("#auth-form"))

    def test_logging_out_in_one_tab_ends_the_other_tabs_session(self):
        browser = self.browser()
        browser.sign_up("ilker")
        first = browser.driver.current_window_handle
        browser.driver.switch_to.new_window("tab")
        browser.open("#/")
        browser.find("#composer-input")
        second = browser.driver.current_window_handle
        browser.driver.switch_to.window(first)
        browser.click("#logout")
        browser.find("#auth-form")
        browser.driver.switch_to.window(second)
        browser.find("#auth-form", within=10)
        browser.driver.refresh()
        browser.find("#auth-form")


if __name__ == "__main__":
    unittest.main()


class EveryScreen(BrowserTestCase):
    """Each screen at desktop and phone width, light and dark, into the screenshot directory; and the
    Turkish interface."""

    def test_every_screen_renders_at_both_widths_in_both_themes(self):
        browser = self.browser()
        browser.open("#/")
        browser.find("#auth-form")
        for size_name, size in (("phone", PHONE), ("desktop", (1280, 860))):
            for theme in ("light", "dark"):
                browser.screenshot(f"signin-{size_name}-{theme}", theme=theme, size=size)
        browser.sign_up("admin")
        send(browser, "Three teas to try:\n\n1. **Darjeeling**, light and flowery\n2. **Assam**, strong, with milk\n"
                      "3. *Rize* tea from the Black Sea\n\n```\nsteep 3 minutes at 90 °C\n```")
        browser.wait(lambda: answered(browser), "the answer")
        # The answer (the simulator's echo of it) as Markdown: a list, emphasis and a code block with its copy button.
        body = "#messages li.message[data-role=assistant] .message-body"
        self.assertEqual(len(browser.all(f"{body} ol > li")), 3)
        self.assertEqual([element.text for element in browser.all(f"{body} strong")], ["Darjeeling", "Assam"])
        self.assertEqual(browser.find(f"{body} pre code").text, "steep 3 minutes at 90 °C")
        self.assertEqual(len(browser.all(f"{body} button[data-action=copy-code]")), 1)
        browser.screenshot("chat-markdown-desktop-light", theme="light")
        browser.screenshot("chat-markdown-desktop-dark", theme="dark")
        send(browser, "draw a teapot on a windowsill")
        self.wait_status(browser, "succeeded")
        token = self.stack.request("POST", "/api/v1/auth/login", {"username": "admin", "password": "correct horse battery"}).json()["access_token"]
        for text in ("The person drinks their tea without sugar", "The person's cat is called Pamuk"):
            self.assertEqual(self.stack.api("POST", "/memories", {"text": text}, token=token)[0], 201)
        status, _ = self.stack.api("POST", "/documents", {"title": "Tea notes", "text": "Darjeeling is picked in spring. " * 20}, token=token)
        self.assertEqual(status, 202)
        screens = {"chat": "#messages", "memories": "#memory-list", "documents": "#document-list", "settings": "#key-list", "admin": "#admin-health"}
        conversation = browser.driver.current_url.split("#")[1]
        for size_name, size in (("desktop", (1280, 860)), ("phone", PHONE)):
            browser.driver.set_window_size(*size)
            for screen, ready in screens.items():
                browser.open(f"#{conversation}" if screen == "chat" else f"#/{screen}")
                browser.find(ready) if size_name == "desktop" else browser.wait(lambda: browser.all(ready), ready)
                for theme in ("light", "dark"):
                    browser.screenshot(f"{screen}-{size_name}-{theme}", theme=theme)
        # Counts agree with their nouns (plural rules): the one document has one passage.
        browser.open("#/documents")
        browser.wait(lambda: "1 passage" in (browser.visible("#document-list li[data-document-id]") or browser.find("#document-list")).text,
                     "the document's one passage")
        self.assertNotIn("1 passages", browser.find("#document-list").text)
        # Every control has an accessible name.
        browser.driver.set_window_size(1280, 860)
        for screen, ready in screens.items():
            browser.open(f"#{conversation}" if screen == "chat" else f"#/{screen}")
            browser.find(ready)
            nameless = browser.script("""
                return [...document.querySelectorAll('button, input, select, textarea, a[href]')]
                  .filter(e => e.offsetParent !== null && e.type !== 'hidden')
                  .filter(e => !(e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || e.labels?.length
                                  || e.textContent.trim() || e.getAttribute('title') || e.getAttribute('alt')))
                  .map(e => e.outerHTML.slice(0, 120));""")
            self.assertEqual(nameless, [], f"controls without a name on {screen}")

    def test_the_keyboard_alone_signs_in_and_chats(self):
        self.stack.register("klavye")
        browser = self.browser()
        browser.open("#/")
        browser.find("#auth-form")
        active = lambda: browser.script("const e = document.activeElement; return e && (e.id || e.name || e.dataset.action || e.tagName)")
        named = lambda: browser.script("return document.activeElement.name")
        browser.wait(lambda: named() == "username", "the username field to have the focus")
        chain = browser.driver.switch_to.active_element
        chain.send_keys("klavye", Keys.TAB)
        self.assertEqual(named(), "password")
        browser.driver.switch_to.active_element.send_keys("correct horse battery", Keys.ENTER)
        browser.find("#composer-input")
        # From the page's start, Tab alone reaches the composer.
        browser.script("document.activeElement.blur()")
        visited, rings = [], []
        for _ in range(40):
            visited.append(active())
            if visited[-1] == "composer-input":
                break
            if visited[-1] != "BODY":
                rings.append((visited[-1], browser.script("return getComputedStyle(document.activeElement).outlineStyle")))
            browser.driver.switch_to.active_element.send_keys(Keys.TAB)
        self.assertEqual(active(), "composer-input", f"Tab never reached the composer: {visited}")
        browser.driver.switch_to.active_element.send_keys("typed without a mouse", Keys.ENTER)
        browser.wait(lambda: answered(browser) == "You said: typed without a mouse", "the answer")
        self.assertEqual([name for name, ring in rings if ring == "none"], [], "controls reached by Tab without a focus ring")

    def test_the_interface_speaks_turkish(self):
        browser = self.browser(language="tr-TR")
        browser.open("#/")
        browser.find("#auth-form")
        self.assertEqual(browser.script("return document.documentElement.lang"), "tr")
        self.assertEqual(browser.find("#auth-form button[data-action=login]").text, "Giriş yap")
        browser.screenshot("signin-desktop-light-tr", theme="light")
        browser.sign_up("turkce")
        Select(browser.find("select#language")).select_by_value("en")
        browser.wait(lambda: browser.script("return document.documentElement.lang") == "en", "English")
