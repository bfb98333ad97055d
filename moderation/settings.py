"""Every setting declared once: name, default, help; read from MODERATION_<NAME> (README is checked)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    """One setting: its environment variable is MODERATION_<NAME upper-cased>."""

    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str

    @property
    def env(self) -> str:
        """The environment variable that overrides the default."""
        return "MODERATION_" + self.name.upper()


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


SETTINGS: tuple[Setting, ...] = (
    Setting("database_url", "sqlite:///moderation.db",
            "SQLAlchemy URL of the store; a SQLite file in the working directory by default, "
            "or postgresql+psycopg://user@host/db"),
    Setting("model_dir", "models",
            "Folder where trained model folders are written and the registry's models live"),
    Setting("labels_dir", "",
            "Labelled datasets imported and trained on by `moderation serve` on first start "
            "(default: the repository's labels/ folder)"),
    Setting("host", "127.0.0.1", "Address `moderation serve` listens on"),
    Setting("port", 8000, "Port `moderation serve` listens on", int),
    Setting("workers", 2, "gunicorn worker processes for `moderation serve`", int),
    Setting("threads", 2, "Threads per gunicorn worker (gthread). Requests take turns in a worker: one computes "
            "at a time, which keeps the GIL out of the latency tail (paced p99 12-15 ms against 45-58 ms with 4 "
            "computing at once, benchmarks/serve.py); a second thread serves the worker's connections while a "
            "sign-in waits for its password hash (moderation/turns.py)", int),
    Setting("connection_seconds", 2.0, "A keep-alive connection is closed after its first response past this age, "
            "so a client's connection pool spreads over all workers again after one starts or restarts", float),
    Setting("secret_key", "", "Flask secret key for sessions and CSRF tokens (generated and kept in "
            "the store when empty)"),
    Setting("max_body_bytes", 1_000_000, "Largest request body the API accepts (413 above)", int),
    Setting("max_comment_chars", 20_000, "Longest comment text the API scores (413 above)", int),
    Setting("max_batch", 256, "Most comments in one POST /v1/score/batch (413 above)", int),
    Setting("max_work_chars", 200_000, "Request work budget: the characters one request asks to score (every "
            "comment's text plus any inline thread, summed over a batch); 413 above, before any scoring", int),
    Setting("key_cache_seconds", 2.0, "How long a worker trusts an API key it has verified: a revoked key keeps "
            "working up to this long on each worker", float),
    Setting("session_hours", 12.0, "A pages sign-in lasts at most this long (logout and a password change "
            "end it at once)", float),
    Setting("cookie_secure", False, "Mark the session cookie Secure (set it behind TLS; also sends "
            "Strict-Transport-Security)", _bool),
    Setting("cookie_samesite", "Lax", "SameSite attribute of the session cookie (Lax or Strict)"),
    Setting("proxy_hops", 0, "Reverse proxies in front of the service whose X-Forwarded-For / -Proto to trust "
            "(the sign-in throttle counts the client address they report)", int),
    Setting("login_failures_per_account", 10, "Failed sign-ins to one account per login_window_seconds before "
            "429 (counted in the store, shared by every worker)", int),
    Setting("login_failures_per_address", 50, "Failed sign-ins from one client address per "
            "login_window_seconds before 429", int),
    Setting("login_window_seconds", 900.0, "The window the failed sign-ins are counted in", float),
    Setting("login_hash_interval_seconds", 1.0, "Seconds between password hashes in one worker process (one at "
            "a time; a sign-in over this budget gets 429 with Retry-After 1, so a sign-in flood cannot take the "
            "cores scoring needs)", float),
    Setting("model_poll_seconds", 2.0, "How often a worker checks the registry for a newly promoted model",
            float),
    Setting("warm_threads", 20, "A starting worker scores one comment (nothing stored) in each of this many most "
            "recently active threads before its first request: their workspaces are built and their stance "
            "adaptations fitted, so those threads' first requests are not the worker's slowest (0: none; at most "
            "5 s)", int),
    Setting("log_json", True, "Write structured JSON request logs to stderr", _bool),
    Setting("queue_off_topic_threshold", None, "Off-topic probability at or above which a comment goes to the "
            "off-topic queue (default: the site-trained model's threshold at 90% precision, else the shipped "
            "model's best-F1 threshold)", float),
    Setting("queue_duplicate_similarity", 0.8, "Duplicate similarity at or above which a comment goes to the "
            "duplicate queue", float),
    Setting("queue_review_confidence", 0.6, "Stance confidence (top class probability) below which a comment "
            "goes to needs-review instead of auto-approved", float),
    Setting("coral_signing_secrets", "", "Comma-separated signing secrets of Coral Talk's External Moderation "
            "Phase (the adapter answers 503 while empty)"),
    Setting("coral_reject_off_topic", 0.0, "Off-topic probability at or above which the Coral adapter answers "
            "REJECTED rather than SYSTEM_WITHHELD (0 = never reject, only withhold)", float),
    Setting("label_overlap", 1, "How many annotators label each comment in the labelling form (2 or more gives "
            "agreement figures; an admin's choice on the settings page is kept in the store and wins)", int),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str, overrides: dict[str, Any] | None = None) -> Any:
    """A setting's value: the overrides dict, then the environment, then the default."""
    setting = _BY_NAME[name]
    if overrides and name in overrides:
        return overrides[name]
    raw = os.environ.get(setting.env)
    if raw is None or raw == "":
        return setting.default
    try:
        return setting.parse(raw)
    except ValueError as exc:
        from moderation.errors import InputError

        raise InputError(f"{setting.env}={raw!r}: {exc}") from exc


def all_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every setting's current value, by name."""
    return {s.name: get(s.name, overrides) for s in SETTINGS}


def markdown_table() -> str:
    """The README's settings table, rendered from SETTINGS."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [f"| `{s.env}` | `{s.default}` | {s.help} |" for s in SETTINGS]
    return "\n".join(rows)
