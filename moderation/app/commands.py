"""`moderation keys`: API keys for machine callers (the key is printed once, only its hash is kept)."""

from __future__ import annotations

import json

import click

from moderation.cli import _store, handle_errors
from moderation.store.keys import KEY_ROLES


@click.group("keys")
def keys() -> None:
    """Create, list and revoke API keys."""


@keys.command("create")
@click.option("--role", type=click.Choice(KEY_ROLES), required=True, help="What the key may do.")
@click.option("--name", default=None, help="Who or what holds the key (shown in the audit log).")
@handle_errors
def create(role: str, name: str | None) -> None:
    """Create a key and print it once, with its record, as JSON."""
    key, record = _store().create_api_key(role, name)
    click.echo(json.dumps({"key": key, **record}))
    click.echo("Keep the key now: it is stored hashed and cannot be shown again.", err=True)


@keys.command("list")
@handle_errors
def list_keys() -> None:
    """Every key's prefix, role, name and state (never the key), as JSON Lines."""
    for record in _store().list_api_keys():
        click.echo(json.dumps(record, default=str))


@keys.command("revoke")
@click.argument("prefix")
@handle_errors
def revoke(prefix: str) -> None:
    """Revoke the key with this prefix (the part after `mod_`)."""
    _store().revoke_api_key(prefix)
    click.echo(json.dumps({"revoked": prefix}))


from moderation.pages.commands import users  # noqa: E402, F401 - `moderation users` (issue 6, the pages)
