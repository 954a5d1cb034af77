"""A real headless Chromium driven by Selenium, for the web client's tests: Debian's chromium and
chromium-driver (Service("/usr/bin/chromedriver"), so Selenium never downloads a driver)."""
import json
import os
import time

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCREENSHOTS = os.environ.get("MAMI_SCREENSHOTS", os.path.join(ROOT, ".build", "screenshots"))
DESKTOP = (1280, 860)
PHONE = (390, 844)


class Browser:
    """One browser session (its own profile: cookies, storage) on `base`."""

    def __init__(self, base, size=DESKTOP, language="en-US"):
        options = webdriver.ChromeOptions()
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         f"--window-size={size[0]},{size[1]}", f"--lang={language}", "--force-device-scale-factor=1"):
            options.add_argument(argument)
        options.add_experimental_option("prefs", {"intl.accept_languages": language})
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.set_script_timeout(30)
        self.base = base

    def quit(self):
        self.driver.quit()

    def open(self, fragment="#/"):
        self.driver.get(self.base + "/" + fragment)

    def find(self, selector, within=15):
        return self.wait(lambda: self.visible(selector), f"{selector} visible", within)

    def all(self, selector):
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def visible(self, selector):
        for element in self.all(selector):
            try:
                if element.is_displayed():
                    return element
            except StaleElementReferenceException:
                continue
        return None

    def wait(self, condition, what, within=15, every=0.05):
        deadline = time.monotonic() + within
        while True:
            try:
                value = condition()
            except StaleElementReferenceException:
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {within} s waiting for {what}; url {self.driver.current_url}; "
                                     f"console: {self.console()[-5:]}")
            time.sleep(every)

    def type(self, selector, text):
        element = self.find(selector)
        element.clear()
        element.send_keys(text)
        return element

    def click(self, selector):
        element = self.find(selector)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()
        return element

    def script(self, source, *arguments):
        return self.driver.execute_script(source, *arguments)

    def attribute(self, selector, name):
        element = self.visible(selector) or (self.all(selector) or [None])[0]
        return element.get_attribute(name) if element else None

    def sign_up(self, username, password="correct horse battery"):
        self.authenticate("register", username, password)

    def sign_in(self, username, password="correct horse battery"):
        self.authenticate("login", username, password)

    def authenticate(self, action, username, password):
        self.open("#/")
        self.type("#auth-form input[name=username]", username)
        self.type("#auth-form input[name=password]", password)
        self.click(f"#auth-form button[data-action={action}]")
        self.find("#composer-input")

    def alert_text(self):
        try:
            return self.driver.switch_to.alert.text
        except NoAlertPresentException:
            return None

    def console(self):
        try:
            return [entry["message"] for entry in self.driver.get_log("browser")]
        except Exception:
            return []

    def network_events(self):
        """Chromium's DevTools network events since the last call (requests and WebSocket frames)."""
        events = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"].startswith("Network."):
                events.append(message)
        return events

    def screenshot(self, name, theme=None, size=None):
        """Writes SCREENSHOTS/NAME.png; with a theme (light|dark) and size set first."""
        if size:
            self.driver.set_window_size(*size)
        if theme:
            self.script("document.documentElement.dataset.theme = arguments[0]", theme)
        time.sleep(0.3)
        os.makedirs(SCREENSHOTS, exist_ok=True)
        path = os.path.join(SCREENSHOTS, f"{name}.png")
        self.driver.save_screenshot(path)
        return path
