"""Public pages in a real browser: they render and axe-core finds no serious or critical violation."""
import pytest

from tests.browser.conftest import describe


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/", "/login"])
def test_public_page_has_no_serious_accessibility_violations(live_server, page, axe, shots, path):
    page.goto(live_server + path)
    assert page.locator("html").get_attribute("lang") == "da"
    shots(path.strip("/") or "forside", page)
    assert axe(page) == [], describe(axe(page))


@pytest.mark.browser
def test_login_error_is_announced_beside_the_field(live_server, page, shots):
    page.goto(live_server + "/login")
    page.get_by_label("E-mailadresse").fill("ukendt@example.org")
    page.get_by_label("Adgangskode").fill("forkert-adgangskode")
    page.get_by_role("button", name="Log ind").click()
    error = page.locator("#f-password-error")
    assert "Forkert e-mailadresse eller adgangskode" in error.inner_text()
    assert page.get_by_label("E-mailadresse").input_value() == "ukendt@example.org"
    shots("login-fejl", page)
