"""Passwords are stored as Argon2 hashes; a user whose hash is in the older scrypt format still logs in with
the same password, and from then on the stored hash is Argon2."""
from __future__ import annotations

import hashlib

from catalog import services
from catalog.models import User
from tests.helpers import DEMO_PASSWORD


def scrypt_hash(password: str) -> str:
    """A hash exactly as earlier versions stored it."""
    salt = bytes(range(16))
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2 ** 14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${salt.hex()}${digest.hex()}"


def stored_hash(app, user_id: int) -> str:
    with app.app_context():
        from web.extensions import db

        return db.session.get(User, user_id).password_hash


def give_old_hash(app, user_id: int, password: str) -> None:
    with app.app_context():
        from web.extensions import db

        db.session.get(User, user_id).password_hash = scrypt_hash(password)
        db.session.commit()


def test_an_old_scrypt_hash_logs_in_and_is_rehashed_with_argon2(app, client, factory, login):
    user_id, email = factory.user()
    give_old_hash(app, user_id, DEMO_PASSWORD)
    login(email)
    new = stored_hash(app, user_id)
    assert new.startswith("$argon2id$")
    assert services.check_password(new, DEMO_PASSWORD)
    assert not services.check_password(new, "forkert-hest-batteri")


def test_a_wrong_password_against_an_old_hash_fails_and_changes_nothing(app, client, factory):
    user_id, email = factory.user()
    give_old_hash(app, user_id, DEMO_PASSWORD)
    response = client.post("/login", data={"email": email, "password": "forkert-hest-batteri"})
    assert response.status_code == 422
    assert "Forkert e-mailadresse eller adgangskode." in response.get_data(as_text=True)
    assert stored_hash(app, user_id) == scrypt_hash(DEMO_PASSWORD)


def test_a_current_hash_is_kept_at_login(app, client, factory, login):
    user_id, email = factory.user()
    before = stored_hash(app, user_id)
    login(email)
    assert stored_hash(app, user_id) == before


def test_a_malformed_stored_hash_never_lets_anyone_in():
    assert not services.check_password("scrypt$1$2$x", DEMO_PASSWORD)
    assert not services.check_password("noget-andet", DEMO_PASSWORD)
    assert services.password_needs_rehash("noget-andet")
