"""What a newcomer does first: the state of the store's accounts and keys, and the commands for the next step."""

from __future__ import annotations

import os
from typing import Any

from moderation.pages.accounts import list_users
from moderation.store import Store

CREATE_ADMIN = "moderation users create NAME --role admin"
CREATE_KEY = "moderation keys create --role scorer --name site"


def first_steps(store: Store) -> dict[str, Any]:
    """Whether an active admin exists, how many API keys are active, and the commands that set up each."""
    admins = [u["name"] for u in list_users(store) if u["role"] == "admin" and u["active"]]
    keys = [k for k in store.list_api_keys() if not k.get("revoked_at")]
    return {"admins": admins, "active_keys": len(keys), "create_admin": CREATE_ADMIN, "create_key": CREATE_KEY,
            "database_url": os.environ.get("MODERATION_DATABASE_URL")}


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
