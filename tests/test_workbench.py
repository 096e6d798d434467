"""The reviewer's workbench in a real browser (Debian's chromium, driven by Selenium through
chromium-driver), and its web layer's security checks.

The browser tests are skipped only where no chromium is installed and CI is not set; in CI (the
README's test command installs chromium and chromium-driver) they must run.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from redact.cli import main
from redact.policy import load_policy
from redact.verify import html_channels, words
from redact.workbench import Session, Settings, Workbench, serve, url

from .conftest import FIXTURES

CABLE = FIXTURES / "review" / "06MADRID3104.txt"
AS_OF = date(2026, 11, 26)
PHRASE = "Vicente Gonzalez Mota"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


class Running:
    """A workbench served on 127.0.0.1 in a thread, for one test."""

    def __init__(self, folder: Path, reviewer: str = "Ann Reviewer") -> None:
        self.folder = folder
        self.document = folder / CABLE.name
        if not self.document.exists():
            shutil.copy(CABLE, self.document)
        self.review_path = folder / "06MADRID3104.review.yaml"
        self.out = folder / "out"
        settings = Settings(self.document, load_policy("public-release"), self.review_path, reviewer, self.out, AS_OF)
        self.app = Workbench(Session(settings))
        self.server = serve(self.app)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return url(self.app)

    def request(self, method: str, path: str, body: dict[str, object] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
        connection = http.client.HTTPConnection("127.0.0.1", self.app.port, timeout=30)
        data = json.dumps(body).encode() if body is not None else None
        connection.request(method, path, body=data, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture
def workbench(tmp_path: Path) -> Iterator[Running]:
    running = Running(tmp_path)
    yield running
    running.stop()


# --- the web layer's security, without a browser ------------------------------------------------

def test_every_request_needs_the_token_and_this_host(workbench: Running) -> None:
    token = workbench.app.token
    assert workbench.request("GET", "/")[0] == 403
    assert workbench.request("GET", "/api/state")[0] == 403
    assert workbench.request("GET", "/?token=wrong")[0] == 403
    assert workbench.request("GET", f"/?token={token}")[0] == 200
    assert workbench.request("GET", f"/static/app.js?token={token}")[0] == 200
    # DNS rebinding: a page on another name that resolves to 127.0.0.1
    rebound = {"Host": f"evil.example:{workbench.app.port}"}
    assert workbench.request("GET", f"/?token={token}", headers=rebound)[0] == 403
    # Nothing else from the disk
    assert workbench.request("GET", f"/static/..%2f..%2fpolicy.py?token={token}")[0] == 404
    assert workbench.request("GET", f"/static/session.py?token={token}")[0] == 404


def test_a_change_needs_the_token_in_a_header_not_only_in_the_url(workbench: Running) -> None:
    token = workbench.app.token
    body = {"target": "portion", "index": 0, "action": "withhold", "label": "(b)(5)", "justification": "x"}
    status, _, _ = workbench.request("POST", f"/api/decision?token={token}", body)
    assert status == 403  # a cross-site form or a link can carry the URL, not the header
    assert not workbench.app.session.dirty
    status, _, _ = workbench.request("POST", "/api/decision", body, {"X-Redact-Token": token})
    assert status == 200
    assert workbench.app.session.dirty


def test_pages_forbid_inline_script_and_other_origins(workbench: Running) -> None:
    status, page, headers = workbench.request("GET", f"/?token={workbench.app.token}")
    policy = headers["Content-Security-Policy"]
    assert status == 200
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    assert "frame-ancestors 'none'" in policy
    assert b"<script>" not in page and b"onclick" not in page  # no inline script at all
    assert headers["Referrer-Policy"] == "no-referrer"
    _, preview, headers = workbench.request("GET", f"/preview?token={workbench.app.token}")
    assert "script-src" not in headers["Content-Security-Policy"]  # default-src 'none': no script
    assert b"RELEASE IN PART" in preview


def test_the_document_text_is_never_markup(tmp_path: Path) -> None:
    text = CABLE.read_text(encoding="utf-8").replace("The plaintiffs drew", "<img src=x onerror=alert(1)> drew")
    (tmp_path / CABLE.name).write_text(text, encoding="utf-8")
    running = Running(tmp_path)
    try:
        _, page, _ = running.request("GET", f"/?token={running.app.token}")
        assert b"onerror" not in page  # the page carries no document text; the script sets it as text
        _, state, headers = running.request("GET", "/api/state", headers={"X-Redact-Token": running.app.token})
        assert headers["Content-Type"].startswith("application/json")
        assert "<img src=x onerror" in json.loads(state)["items"][-5]["text"] or b"onerror" in state
        _, preview, _ = running.request("GET", f"/preview?token={running.app.token}")
        assert b"<img src=x" not in preview and b"&lt;img src=x" in preview
    finally:
        running.stop()


# --- in a real browser ----------------------------------------------------------------------------

@pytest.fixture
def browser() -> Iterator[object]:
    if CHROMIUM is None or CHROMEDRIVER is None:
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are needed for the workbench tests (README set-up b)")
        pytest.skip("chromium or chromedriver is not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1500,1000", "--lang=en-US"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def _wait(condition, timeout: float = 20.0, what: str = "the page"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _state(running: Running) -> dict:  # type: ignore[type-arg]
    _, body, _ = running.request("GET", "/api/state", headers={"X-Redact-Token": running.app.token})
    return json.loads(body)


def _item(running: Running, name: str) -> dict:  # type: ignore[type-arg]
    return next(i for i in _state(running)["items"] if i["name"] == name)


def _card(driver, name: str):  # type: ignore[no-untyped-def]
    """The card of an item as the page shows it now. The page redraws every card when a change
    comes back from the server, so a card found during a redraw is looked for again."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    def find():  # type: ignore[no-untyped-def]
        try:
            cards = driver.find_elements(By.CSS_SELECTOR, "article.item")
            return next((c for c in cards if c.find_element(By.CSS_SELECTOR, ".name").text == name), None)
        except StaleElementReferenceException:
            return None

    return _wait(find, what=f"the card of {name}")


def _shown(driver, name: str, css_class: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until the page (not only the server) shows a change: the item's card has that class."""
    from selenium.common.exceptions import StaleElementReferenceException

    def shows() -> bool:
        try:
            return css_class in (_card(driver, name).get_attribute("class") or "").split()
        except StaleElementReferenceException:
            return False

    _wait(shows, what=f"the page to show {name} as {css_class}")


def _open(driver, running: Running) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    driver.get(running.url)
    _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "article.item"), what="the items")


def _message(driver) -> str:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.ID, "message").text)


def _choose(card, role: str, value: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(card.find_element(By.CSS_SELECTOR, f'[data-role="{role}"]')).select_by_visible_text(value)


def _focus(driver, name: str):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    card = _card(driver, name)
    card.find_element(By.CSS_SELECTOR, ".text").click()
    return _card(driver, name)


def _select_words(driver, name: str, phrase: str) -> None:  # type: ignore[no-untyped-def]
    """Select a phrase in an item's text as a mouse would (a DOM range over its text node)."""
    card = _card(driver, name)
    driver.execute_script("""
        const box = arguments[0].querySelector('[data-role="text"]');
        const node = [...box.childNodes].find((n) => n.nodeType === 3 && n.data.includes(arguments[1]));
        const start = node.data.indexOf(arguments[1]);
        const range = document.createRange();
        range.setStart(node, start); range.setEnd(node, start + arguments[1].length);
        const selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
    """, card, phrase)


def _copy_words(path: Path) -> str:
    """A release copy's text as the verifier reads it (entities decoded), as normalised words."""
    return " ".join(words(" ".join(html_channels(path.read_bytes()).values())))


def _run(text: str) -> str:
    """Ten words from the middle of a text, normalised as the verifier reads copies."""
    return " ".join(words(text)[5:15])


def _press(driver, key: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(key).perform()


def test_review_save_reload_export_in_a_browser(workbench: Running, browser) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    driver = browser
    _open(driver, workbench)
    first = _item(workbench, "paragraph 1")
    assert first["decision"]["action"] == "release" and first["level"] == "U"

    # Withhold a released paragraph, with a justification.
    card = _focus(driver, "paragraph 1")
    _choose(card, "label", "(b)(5)")
    card.find_element(By.CSS_SELECTOR, '[data-role="why"]').send_keys("Pre-decisional legal analysis.")
    card.find_element(By.CSS_SELECTOR, '[data-role="withhold"]').click()
    _wait(lambda: _item(workbench, "paragraph 1")["decision"]["action"] == "withhold", what="the withholding")
    _shown(driver, "paragraph 1", "withhold")

    # Withhold one phrase of another paragraph as (b)(6).
    # Label and justification first: typing into the box moves the selection, as for a person.
    card = _focus(driver, "paragraph 3")
    _choose(card, "label", "(b)(6)")
    card.find_element(By.CSS_SELECTOR, '[data-role="why"]').send_keys("Names an individual; privacy.")
    _select_words(driver, "paragraph 3", PHRASE)
    card.find_element(By.CSS_SELECTOR, '[data-role="span"]').click()
    _wait(lambda: _item(workbench, "paragraph 3")["decision"]["spans"], what=f"the span ({_message(driver)})")
    _shown(driver, "paragraph 3", "changed")
    third = _item(workbench, "paragraph 3")
    (span,) = third["decision"]["spans"]
    assert third["text"][span["start"]:span["end"]] == PHRASE and span["label"] == "(b)(6)"

    # A change without a justification is refused.
    card = _focus(driver, "paragraph 2")
    card.find_element(By.CSS_SELECTOR, '[data-role="withhold"]').click()
    _wait(lambda: "justification is required" in _message(driver), what="the refusal")
    assert _item(workbench, "paragraph 2")["decision"]["action"] == "release"
    status, body, _ = workbench.request("POST", "/api/decision", {"target": "portion", "index": 2, "action": "withhold",
                                        "label": "(b)(6)", "justification": "  "},
                                        {"X-Redact-Token": workbench.app.token})
    assert status == 400 and b"justification is required" in body  # the server refuses it too

    # The preview is the real renderer's copy: the phrase is gone from it.
    preview = workbench.request("GET", f"/preview?token={workbench.app.token}")[1].decode()
    assert PHRASE not in preview and "(b)(6)" in preview
    assert _wait(lambda: driver.find_element(By.ID, "dirty").is_displayed(), what="the unsaved marker")

    # Save, reload: the state is kept.
    driver.find_element(By.ID, "save").click()
    _wait(lambda: workbench.review_path.exists() and "Saved" in _message(driver), what="the save")
    driver.refresh()
    _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "article.item.changed"), what="the reloaded page")
    changed = [c.find_element(By.CSS_SELECTOR, ".name").text
               for c in driver.find_elements(By.CSS_SELECTOR, "article.item.changed")]
    assert changed == ["paragraph 1", "paragraph 3"]
    assert not driver.find_element(By.ID, "dirty").is_displayed()
    if os.environ.get("REDACT_WORKBENCH_PICTURE"):  # scripts/workbench-picture.sh
        _focus(driver, "paragraph 3")
        time.sleep(0.5)
        driver.save_screenshot(os.environ["REDACT_WORKBENCH_PICTURE"])

    # Export: the real pipeline. The copy lacks exactly those texts, and verified.
    driver.find_element(By.ID, "export").click()
    _wait(lambda: "Exported" in _message(driver) or "refused" in _message(driver), what="the export")
    assert "Exported: RELEASE IN PART" in _message(driver), _message(driver)
    copy = _copy_words(workbench.out / "06MADRID3104.release.html")
    assert _run(first["text"]) not in copy  # paragraph 1, withheld by the reviewer
    assert " ".join(words(PHRASE)) not in copy
    assert " ".join(words(third["text"][:span["start"]])[-8:]) in copy  # the rest of paragraph 3 is there
    assert _run(_item(workbench, "paragraph 2")["text"]) in copy
    records = [json.loads(line) for line in (workbench.out / "audit.jsonl").read_text().splitlines()]
    document = next(r for r in records if r["type"] == "document")
    review = document["review"]
    assert review["reviewer"] == "Ann Reviewer"
    assert [o["justification"] for o in review["overrides"]] == ["Pre-decisional legal analysis.",
                                                               "Names an individual; privacy."]
    assert PHRASE not in json.dumps(records)
    rules = [document["rule_ids"][row[8]] for row in document["portions"]]
    assert rules.count("review") == 2
    result = CliRunner().invoke(main, ["audit", "verify", str(workbench.out / "audit.jsonl"),
                                       "--outputs", str(workbench.out)])
    assert result.exit_code == 0, result.output
    report = CliRunner().invoke(main, ["audit", "report", str(workbench.out / "audit.jsonl"), "--format", "csv"])
    assert "Pre-decisional legal analysis." in report.output and "Names an individual; privacy." in report.output


def test_a_declassification_needs_a_second_persons_approval(workbench: Running, browser) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    driver = browser
    _open(driver, workbench)
    assert _item(workbench, "paragraph 4")["level"] == "C"
    card = _focus(driver, "paragraph 4")
    card.find_element(By.CSS_SELECTOR, '[data-role="why"]').send_keys("Declassified on review by the originator.")
    card.find_element(By.CSS_SELECTOR, '[data-role="release"]').click()
    _wait(lambda: "declassification" in _message(driver), what="the refusal without 'declassify'")
    assert _item(workbench, "paragraph 4")["override"] is None

    card = _card(driver, "paragraph 4")
    card.find_element(By.CSS_SELECTOR, '[data-role="declassify"]').click()
    card.find_element(By.CSS_SELECTOR, '[data-role="authority"]').send_keys("E.O. 13526 sec. 3.1(b)")
    card.find_element(By.CSS_SELECTOR, '[data-role="release"]').click()
    _wait(lambda: _item(workbench, "paragraph 4")["override"] is not None, what="the declassification")
    _shown(driver, "paragraph 4", "changed")
    # Not approved yet: the preview keeps it withheld, and export is refused.
    assert _item(workbench, "paragraph 4")["decision"]["action"] == "withhold"
    driver.find_element(By.ID, "export").click()
    _wait(lambda: "refused" in _message(driver), what="the refused export")
    assert "approval by a second person" in _message(driver)
    assert not (workbench.out / "06MADRID3104.release.html").exists()

    # The reviewer may not approve their own declassification; a second person does.
    own = CliRunner().invoke(main, ["review", "approve", str(workbench.review_path), "--by", "ann reviewer"])
    assert own.exit_code == 2 and "second person" in own.output
    approved = CliRunner().invoke(main, ["review", "approve", str(workbench.review_path), "--by", "Bob Approver"])
    assert approved.exit_code == 0, approved.output
    driver.refresh()
    _wait(lambda: driver.find_elements(By.CSS_SELECTOR, "article.item"), what="the reloaded page")
    assert _item(workbench, "paragraph 4")["decision"]["action"] == "release"
    driver.find_element(By.ID, "export").click()
    _wait(lambda: "Exported" in _message(driver) or "refused" in _message(driver), what="the export")
    assert "Exported" in _message(driver), _message(driver)
    assert _run(_item(workbench, "paragraph 4")["text"]) in _copy_words(workbench.out / "06MADRID3104.release.html")
    document = next(json.loads(line) for line in (workbench.out / "audit.jsonl").read_text().splitlines()
                    if json.loads(line)["type"] == "document")
    (override,) = document["review"]["overrides"]
    assert override["declassify"] and override["authority"] == "E.O. 13526 sec. 3.1(b)"
    assert document["review"]["approvers"] == ["Bob Approver"]


def test_the_workbench_works_from_the_keyboard_alone(workbench: Running, browser) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver = browser
    _open(driver, workbench)
    cards = driver.find_elements(By.CSS_SELECTOR, "article.item")
    names = [c.find_element(By.CSS_SELECTOR, ".name").text for c in cards]
    target = names.index("paragraph 2")
    for _ in range(target):
        _press(driver, "j")
    _press(driver, "k")
    _press(driver, "j")
    focused = driver.find_element(By.CSS_SELECTOR, "article.item.focused")
    assert focused.find_element(By.CSS_SELECTOR, ".name").text == "paragraph 2"
    _press(driver, "w")  # withhold: the label picker has the focus
    active = driver.switch_to.active_element
    assert active.get_attribute("data-role") == "label"
    active.send_keys("(b)(6)")
    active.send_keys(Keys.TAB)
    why = driver.switch_to.active_element
    assert why.get_attribute("data-role") == "why"
    why.send_keys("Names private individuals.")
    why.send_keys(Keys.ENTER)
    _wait(lambda: _item(workbench, "paragraph 2")["decision"]["action"] == "withhold", what="the keyboard change")
    _shown(driver, "paragraph 2", "withhold")
    assert _item(workbench, "paragraph 2")["decision"]["label"] == "(b)(6)"
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    _press(driver, "s")
    _wait(lambda: workbench.review_path.exists(), what="the save")
    saved = workbench.review_path.read_text(encoding="utf-8")
    assert "Names private individuals." in saved and "(b)(6)" in saved


@pytest.mark.parametrize("corpus, step", [("cablegate", 13), ("mirror", 37), ("sidtoday", 17)])
def test_the_workbench_reviews_and_exports_corpus_documents(tmp_path: Path, corpus: str, step: int) -> None:
    """A sample spread over each corpus: a phrase withheld in one released portion, another portion
    withheld whole, saved, exported through the real pipeline (render, verify, audit)."""
    from .conftest import shared_corpus

    files = sorted(shared_corpus(corpus).rglob("*.txt"))[::step]
    policy = load_policy("public-release")
    exported = 0
    for number, path in enumerate(files):
        folder = tmp_path / str(number)
        folder.mkdir()
        document = folder / path.name
        shutil.copy(path, document)
        session = Session(Settings(document, policy, folder / "doc.review.yaml", "Ann Reviewer", folder / "out", AS_OF))
        released = [i for i in session.state()["items"]
                    if i["target"] == "portion" and i["decision"]["action"] == "release" and len(words(i["text"])) > 12]
        if len(released) < 2:
            continue
        if exported == 4:
            break
        span_item, whole = released[0], released[1]
        start = span_item["text"].index(words(span_item["text"])[0])  # a real word, whatever the case
        session.add_span({"target": "portion", "index": span_item["index"], "start": start, "end": start + 12,
                          "label": "(b)(6)", "justification": "Privacy."})
        session.set_decision({"target": "portion", "index": whole["index"], "action": "withhold", "label": "(b)(5)",
                              "justification": "Deliberative."})
        result = session.export()
        assert result["status"] == "RELEASE IN PART", path.name
        copy = _copy_words(folder / "out" / (document.stem + ".release.html"))
        assert " ".join(words(whole["text"])[:12]) not in copy, path.name
        exported += 1
    assert exported == 4, f"too few {corpus} documents with two released portions in the sample"


def test_the_workbench_flags_a_released_portion_that_repeats_a_withheld_one(tmp_path: Path) -> None:
    """An echo (redact.echoes) is shown on the released portion, by name and run count."""
    from .conftest import shared_corpus

    path = shared_corpus("cablegate") / "05MADRID1879.txt"
    session = Session(Settings(path, load_policy("public-release"), tmp_path / "r.review.yaml", "Ann Reviewer",
                               tmp_path / "out", AS_OF))
    flagged = {i["name"]: i["echoes"] for i in session.state()["items"] if i["echoes"]}
    assert flagged == {"paragraph 7": [{"repeats": "paragraph 1", "runs": 1}]}
