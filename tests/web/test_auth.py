from tests.helpers import DEMO_PASSWORD


def test_login_with_wrong_password_shows_danish_error_and_keeps_email(client, factory):
    _, email = factory.user("caseworker")
    r = client.post("/login", data={"email": email, "password": "forkert-kode"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "Forkert e-mailadresse eller adgangskode." in page
    assert f'value="{email}"' in page


def test_login_and_logout(client, factory, login):
    _, email = factory.user("ngo_editor", org_id=factory.org())
    r = login(email)
    assert r.headers["Location"].endswith("/ngo/")
    r = client.post("/logout")
    assert r.status_code == 302


def test_empty_login_form_names_both_fields(client):
    r = client.post("/login", data={})
    page = r.get_data(as_text=True)
    assert "Skriv din e-mailadresse." in page and "Skriv din adgangskode." in page


def test_open_redirect_is_refused(client, factory):
    _, email = factory.user("caseworker")
    r = client.post("/login?next=https://evil.example.org/", data={"email": email, "password": DEMO_PASSWORD})
    assert "evil.example.org" not in r.headers["Location"]


def test_csrf_token_is_required_on_forms(database_url):
    from web import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "AUTO_MIGRATE": False,
                      "RATELIMIT_ENABLED": False})
    r = app.test_client().post("/login", data={"email": "a@example.org", "password": "x"})
    assert r.status_code == 400
