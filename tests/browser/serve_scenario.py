"""The cip serve scenario in a real browser (Debian's Chromium, driven by
Playwright with the system executable; no browser is downloaded).

Run by tests/serve_browser.rs, which starts `cip serve` on a copy of the
samples and passes: URL WORKSPACE KEY CERT SCREENSHOT_DIR. Every step
asserts what a user would see; screenshots are saved for a person to look at.
"""
import os
import sys
import time

from playwright.sync_api import expect, sync_playwright

url, ws, key, cert, shots = sys.argv[1:6]
base = url.split("/?token=")[0]
os.makedirs(shots, exist_ok=True)
TESTER = 'ul.slot[data-slot="deficiency[0].validation.tester"]'


def shot(page, name):
    page.screenshot(path=os.path.join(shots, name), full_page=True)


with sync_playwright() as p:
    browser = p.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run"],
    )
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15000)

    # The company: open the editor (the token visit sets the cookie).
    started = time.monotonic()
    page.goto(url)
    expect(page.locator("h1")).to_contain_text("Portfolio")
    shot(page, "01-portfolio.png")
    page.goto(base + "/edit?plan=acme.toml")
    expect(page.locator("h1")).to_contain_text("Plan editor")

    # A finding appears as a required field is emptied, and goes when filled.
    tester = page.locator('[name="deficiency[0].validation.tester"]')
    tester.fill("")
    expect(page.locator(TESTER)).to_contain_text("validation-tester-missing")
    tester.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.screenshot(path=os.path.join(shots, "02-editor-live-finding.png"))
    tester.fill("Internal Audit Department")
    expect(page.locator(TESTER)).to_have_text("")

    # Add a step to deficiency 1; the empty step is flagged; fill it; save.
    page.locator('button[formaction="/edit/step"][value="0"]').click()
    expect(page.locator(".note")).to_contain_text("step added")
    new = page.locator('table.steps').first.locator("tbody tr[id]").last
    step_path = new.get_attribute("id")
    expect(page.locator(f'ul.slot[data-slot="{step_path}.action"]')).to_contain_text("step-action-missing")
    page.locator(f'[name="{step_path}.action"]').fill(
        "Audit ten new part numbers a month against their classification records.")
    page.locator(f'[name="{step_path}.target"]').fill("2027-01-20")
    page.locator(f'[name="{step_path}.department"]').fill("Trade Compliance")
    expect(page.locator(f'ul.slot[data-slot="{step_path}.action"]')).to_have_text("")
    page.locator("#save").click()
    expect(page.locator(".note")).to_contain_text("saved")
    shot(page, "03-editor-saved.png")

    # Reorder: the first step of deficiency 1 moves down (a plain form
    # button); its action is now the second row's.
    first = page.locator('[name="deficiency[0].step[0].action"]').input_value()
    page.locator('button[formaction="/edit/step/move"][value="0.0.down"]').click()
    expect(page.locator(".note")).to_contain_text("step 1 moved down")
    expect(page.locator('[name="deficiency[0].step[1].action"]')).to_have_value(first)
    page.locator("#deficiency-0 table.steps").scroll_into_view_if_needed()
    page.screenshot(path=os.path.join(shots, "03b-editor-step-moved.png"))
    # Date pickers: the follow-up request date, typed through the picker.
    fu = page.locator('[name="follow_up.requested"]')
    assert fu.get_attribute("type") == "date"
    fu.scroll_into_view_if_needed()
    page.locator("#extensions").screenshot(path=os.path.join(shots, "03c-editor-extension-follow-up-dates.png"))

    # Upload a supporting document into docs/: its SHA-256 is shown.
    doc = os.path.join(ws, "..", "audit-procedure.txt")
    with open(doc, "w") as f:
        f.write("Monthly classification audit procedure\n")
    page.locator("#docfile").set_input_files(doc)
    page.locator('form[action="/edit/upload"] button').click()
    expect(page.locator(".note")).to_contain_text("docs/audit-procedure.txt added")
    expect(page.locator("#documents")).to_contain_text("SHA-256")

    # Render a draft, shown inline.
    with page.expect_response(lambda r: r.url.endswith("/edit/render")) as resp:
        page.locator("#render").click()
    r = resp.value
    assert r.status == 200 and r.headers["content-type"] == "application/pdf", (r.status, r.headers)
    assert int(r.headers.get("content-length", "0")) > 10000, r.headers

    # Sign with a key named by its path on this machine (a PEM key without
    # a password; the password field is there for .p12 files and tokens).
    page.locator("#key").fill(key)
    page.locator("#cert").fill(cert)
    assert page.locator("#password").get_attribute("type") == "password"
    page.locator('form[action="/edit/sign"] button').click()
    expect(page.locator(".note")).to_contain_text("signed: wrote acme-signed.pdf")
    signed_after = time.monotonic() - started
    shot(page, "04-editor-signed.png")
    signed = os.path.join(ws, "acme-signed.pdf")
    assert os.path.getsize(signed) > 10000

    # Transmit: the transmittal letter, enclosing the signed plan.
    page.locator("#tkey").fill(key)
    page.locator("#tcert").fill(cert)
    page.locator('form[action="/edit/transmit"] button').click()
    expect(page.locator(".note")).to_contain_text("transmittal letter written")
    expect(page.locator(".note")).to_contain_text("acme-signed.pdf")
    shot(page, "04b-editor-transmitted.png")

    # The account manager drops the signed PDF: verified, kept, the case shown.
    page.goto(base + "/")
    page.locator("#dropfile").set_input_files(signed)
    page.locator("#drop button").click()
    expect(page.locator(".verdict")).to_contain_text("VALID")
    expect(page.locator(".verdict")).not_to_contain_text("NOT VALID")
    shot(page, "05-am-verified.png")
    page.get_by_role("link", name="Open the case").click()
    expect(page.locator("h1")).to_contain_text("Acme Imports")
    expect(page.locator("svg.timeline").first).to_be_visible()
    shot(page, "06-am-case.png")

    # Issue the acceptance letter, signed; it is recorded and archived.
    page.locator("#kind").select_option("acceptance")
    page.locator("#lkey").fill(key)
    page.locator("#lcert").fill(cert)
    page.locator('button[name="action"][value="issue"]').click()
    expect(page.locator(".note")).to_contain_text("recorded the decision")
    expect(page.locator(".note")).to_contain_text("archived (SHA-256")
    page.goto(base + "/archive?q=acme")
    expect(page.locator("table.grid")).to_contain_text("(acceptance)")
    shot(page, "09-archive.png")
    page.locator('form[action="/archive/verify"] button').click()
    expect(page.locator(".verdict")).to_contain_text("archive verifies")
    # The archivist's bundle for the company.
    page.locator("#company").fill("Acme Imports, Inc.")
    page.locator('form[action="/archive/export"] button').click()
    expect(page.locator(".note")).to_contain_text("exported 1 file(s) of Acme Imports, Inc.")
    shot(page, "10-archive-exported.png")

    # A forged copy is clearly marked and not kept.
    data = bytearray(open(signed, "rb").read())
    i = data.find(b"pdf:Producer")  # in the XMP packet, stored uncompressed
    assert i >= 0, "no XMP Producer to change"
    data[i + 1] ^= 0x20
    forged = os.path.join(ws, "..", "forged.pdf")
    open(forged, "wb").write(bytes(data))
    page.goto(base + "/")
    page.locator("#dropfile").set_input_files(forged)
    page.locator("#drop button").click()
    expect(page.locator(".verdict")).to_contain_text("NOT VALID")
    shot(page, "07-am-forged.png")
    assert not os.path.exists(os.path.join(ws, "received", "forged.pdf"))

    page.goto(base + "/")
    expect(page.locator("table.grid")).to_contain_text("received/acme-signed.pdf")
    # What is due next and from whom, dates in the long style.
    expect(page.locator("td.due").first).to_contain_text("by ")
    shot(page, "08-portfolio-after.png")
    browser.close()

print(f"opened the editor -> signed plan: {signed_after:.1f} s (browser-driven, including the checks above)")
