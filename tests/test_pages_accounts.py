"""Accounts: hashed passwords, roles, and the `moderation users` command."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from moderation.cli import main
from moderation.errors import ConflictError, InputError, NotFoundError
from moderation.pages import accounts
from moderation.store import Store


def test_create_and_authenticate(store) -> None:  # noqa: ANN001
    user = accounts.create_user(store, "ann", "annotator", "s3cret-pass")
    assert accounts.authenticate(store, "ann", "s3cret-pass") == user
    assert accounts.authenticate(store, "ann", "wrong-pass") is None
    assert accounts.authenticate(store, "nobody", "s3cret-pass") is None
    with store.read() as conn:
        stored = conn.exec_driver_sql("SELECT password_hash FROM users").scalar_one()
    assert "s3cret-pass" not in stored and stored.startswith(("scrypt:", "pbkdf2:"))


def test_deactivated_user_cannot_sign_in(store) -> None:  # noqa: ANN001
    accounts.create_user(store, "ann", "annotator", "s3cret-pass")
    accounts.update_user(store, "ann", active=False)
    assert accounts.authenticate(store, "ann", "s3cret-pass") is None


@pytest.mark.parametrize(("name", "role", "password", "error"), [
    ("", "annotator", "s3cret-pass", InputError),
    ("two words", "annotator", "s3cret-pass", InputError),
    ("ann", "boss", "s3cret-pass", InputError),
    ("ann", "annotator", "short", InputError),
])
def test_create_rejects_bad_input(store, name, role, password, error) -> None:  # noqa: ANN001
    with pytest.raises(error):
        accounts.create_user(store, name, role, password)


def test_duplicate_and_unknown_users(store) -> None:  # noqa: ANN001
    accounts.create_user(store, "ann", "annotator", "s3cret-pass")
    with pytest.raises(ConflictError):
        accounts.create_user(store, "ann", "admin", "s3cret-pass")
    with pytest.raises(NotFoundError):
        accounts.update_user(store, "bob", role="admin")


def test_roles_rank() -> None:
    assert accounts.may({"role": "admin"}, "moderator")
    assert accounts.may({"role": "moderator"}, "annotator")
    assert not accounts.may({"role": "annotator"}, "moderator")
    assert not accounts.may(None, "annotator")


def test_users_cli(store: Store, env_db, monkeypatch) -> None:  # noqa: ANN001
    runner = CliRunner()
    monkeypatch.setenv("MODERATION_USER_PASSWORD", "from-the-env")
    result = runner.invoke(main, ["users", "create", "ann", "--role", "annotator"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["role"] == "annotator"
    monkeypatch.delenv("MODERATION_USER_PASSWORD")
    result = runner.invoke(main, ["users", "create", "lead", "--role", "admin"], input="typed-pass\ntyped-pass\n")
    assert result.exit_code == 0, result.output
    assert accounts.authenticate(store, "ann", "from-the-env")["role"] == "annotator"
    assert accounts.authenticate(store, "lead", "typed-pass")["role"] == "admin"
    result = runner.invoke(main, ["users", "create", "ann", "--role", "admin", "--password", "another-pass"])
    assert result.exit_code == 1 and result.output.strip() == "Error: user 'ann' already exists"
    result = runner.invoke(main, ["users", "set", "ann", "--inactive"])
    assert result.exit_code == 0 and json.loads(result.output)["active"] is False
    assert [json.loads(line)["name"] for line in runner.invoke(main, ["users", "list"]).output.splitlines()] == [
        "ann", "lead"]
