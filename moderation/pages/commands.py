"""`moderation users`: people's accounts for the pages (create, list, set role or password, deactivate)."""

from __future__ import annotations

import json

import click

from moderation.cli import _store, handle_errors
from moderation.pages import accounts

PASSWORD_ENV = "MODERATION_USER_PASSWORD"


@click.group("users")
def users() -> None:
    """Create and manage the people who sign in to the pages."""


@users.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(accounts.ROLES), required=True, help="What the user may do.")
@click.option("--password", envvar=PASSWORD_ENV, prompt=True, hide_input=True, confirmation_prompt=True,
              help=f"The password (else ${PASSWORD_ENV}, else asked for).")
@handle_errors
def create(name: str, role: str, password: str) -> None:
    """Add a user and print its record as JSON."""
    click.echo(json.dumps(accounts.create_user(_store(), name, role, password)))


@users.command("list")
@handle_errors
def list_users() -> None:
    """Every user as JSON Lines."""
    for user in accounts.list_users(_store()):
        click.echo(json.dumps(user))


@users.command("set")
@click.argument("name")
@click.option("--role", type=click.Choice(accounts.ROLES), default=None, help="A new role.")
@click.option("--active/--inactive", default=None, help="Allow or stop signing in.")
@click.option("--password", is_flag=False, default=None, help="A new password.")
@handle_errors
def set_user(name: str, role: str | None, active: bool | None, password: str | None) -> None:
    """Change a user's role, active flag or password."""
    click.echo(json.dumps(accounts.update_user(_store(), name, role=role, active=active, password=password)))
