"""What a newcomer does first: the state of the store's accounts and keys, and the commands for the next step."""

from __future__ import annotations

import os
import time
from typing import Any

from flask import current_app

from moderation.pages.accounts import list_users
from moderation.store import Store

CREATE_ADMIN = "moderation users create NAME --role admin"
CREATE_KEY = "moderation keys create --role scorer --name site"
# The sign-in page's hint trusts a seen admin this long without asking the store again: the page is what a
# sign-in flood fetches, and the hint is the only thing on it the store decides.
ADMIN_SEEN_SECONDS = 30.0
# "No admin yet" is kept this long: a flood of sign-in pages on a store without an admin costs one store read
# every two seconds (on PostgreSQL the read was a quarter of what such a flood cost a worker); the first admin
# shows on the page at most this late.
NO_ADMIN_SECONDS = 2.0


def first_steps(store: Store) -> dict[str, Any]:
    """Whether an active admin exists, how many API keys are active, and the commands that set up each."""
    admins = [u["name"] for u in list_users(store) if u["role"] == "admin" and u["active"]]
    keys = [k for k in store.list_api_keys() if not k.get("revoked_at")]
    return {"admins": admins, "active_keys": len(keys), "create_admin": CREATE_ADMIN, "create_key": CREATE_KEY,
            "database_url": os.environ.get("MODERATION_DATABASE_URL")}


def admin_exists(store: Store) -> bool:
    """Whether an active admin exists, for the sign-in page's hint. Each answer is kept per app: "yes"
    ADMIN_SEEN_SECONDS (the last admin deactivated: the hint lags that long), "no" NO_ADMIN_SECONDS (the first
    admin shows that late)."""
    ext = current_app.extensions["moderation"]
    now = time.monotonic()
    if now - ext.get("admin_seen_at", -float("inf")) < ADMIN_SEEN_SECONDS:
        return True
    if now - ext.get("no_admin_at", -float("inf")) < NO_ADMIN_SECONDS:
        return False
    if store.has_active_admin():
        ext["admin_seen_at"] = now
        return True
    ext["no_admin_at"] = now
    return False


def serve_banner(store: Store, host: str, port: int) -> str:
    """The lines `moderation serve` prints before it listens: the address and what to do first."""
    steps = first_steps(store)
    base = f"http://{host}:{port}"
    lines = [f"moderation: listening on {base}/ (pages: {base}/login; API: {base}/v1, "
             f"described at {base}/v1/openapi.json)"]
    env = f"MODERATION_DATABASE_URL={steps['database_url']} " if steps["database_url"] else ""
    if steps["admins"]:
        lines.append(f"admin: {', '.join(steps['admins'])} (sign in at {base}/login)")
    else:
        lines.append("admin: none yet. Create the first one (it asks for a password):")
        lines.append(f"  {env}{CREATE_ADMIN}")
    if steps["active_keys"]:
        lines.append(f"API keys: {steps['active_keys']} active (an admin manages them at {base}/admin/keys)")
    else:
        lines.append("API keys: none yet. Create one for the site's backend (printed once):")
        lines.append(f"  {env}{CREATE_KEY}")
    return "\n".join(lines)
