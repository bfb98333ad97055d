"""The `moderation` command line: thin click shells, one library call each (STYLE.md, sqlite-utils)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from moderation import settings
from moderation.errors import ModerationError


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the project's errors into a one-line message and exit code 1, never a traceback."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ModerationError as exc:
            raise click.ClickException(exc.message) from exc
    return wrapper


def _store(url: str | None = None):  # noqa: ANN202 - Store, imported lazily to keep --help fast
    """The running command's store, closed when the command ends (click's context owns it)."""
    from moderation.store import open_store

    return click.get_current_context().with_resource(open_store(url))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="moderation")
def main() -> None:
    """Comment stance, off-topic and duplicate tagging for news sites.

    Every command finds the store through MODERATION_DATABASE_URL (default: a SQLite file
    moderation.db in the working directory) and creates or upgrades its schema on first use.
    """


@main.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--map", "mapping", multiple=True, metavar="FIELD=COLUMN",
              help="CSV only: fill FIELD from COLUMN (repeatable); default columns are the field names.")
@click.option("--thread-id", help="Scraped page only: the thread's id (default: the file name).")
@click.option("--target", default="", help="Scraped page only: the claim stance is judged against "
              "(default: the title).")
@click.option("--article", type=click.Path(dir_okay=False), help="Scraped page only: a text file with the "
              "article's body.")
@handle_errors
def import_cmd(path: Path, mapping: tuple[str, ...], thread_id: str | None, target: str,
               article: str | None) -> None:
    """Import a dataset folder, a CSV or a scraped comment page, all in one transaction."""
    from moderation.importers import import_path, parse_mapping

    counts = import_path(_store(), path, progress=True, mapping=parse_mapping(mapping) if mapping else None,
                         thread_id=thread_id, target=target, article=article)
    click.echo(json.dumps({"imported": counts, "source": str(path)}))


@main.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--gold-only", is_flag=True, help="Only adjudicated (gold) labels.")
@handle_errors
def export_cmd(folder: Path, gold_only: bool) -> None:
    """Write the store's threads, comments and labels as a dataset folder."""
    from moderation.dataset import write_dataset

    dataset = _store().export_dataset(gold_only=gold_only)
    write_dataset(dataset, folder)
    click.echo(json.dumps({"exported": {"threads": len(dataset.threads), "comments": len(dataset.comments)},
                           "folder": str(folder)}))


@main.command("serve")
@click.option("--host", default=None, help="Address to listen on [MODERATION_HOST, 127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port [MODERATION_PORT, 8000].")
@click.option("--workers", type=int, default=None, help="gunicorn workers [MODERATION_WORKERS, 2].")
@click.option("--threads", type=int, default=None, help="Threads per worker [MODERATION_THREADS, 2].")
@handle_errors
def serve_cmd(host: str | None, port: int | None, workers: int | None, threads: int | None) -> None:
    """Run the service under gunicorn; on first start import the seed thread and train its model."""
    from moderation.bootstrap import prepare_default
    from moderation.pages.welcome import serve_banner
    from moderation.serving import run_gunicorn
    from moderation.store import open_store

    host, port = host or settings.get("host"), port or settings.get("port")
    with open_store() as store:  # closed before gunicorn forks: no worker inherits its connections
        summary = prepare_default(store, log=lambda msg: click.echo(msg, err=True))
        click.echo(json.dumps(summary), err=True)
        click.echo(serve_banner(store, host, port), err=True)
    run_gunicorn(host=host, port=port, workers=workers or settings.get("workers"),
                 threads=threads or settings.get("threads"))


@main.command("settings")
@click.option("--markdown", is_flag=True, help="Print the README's settings table instead.")
def settings_cmd(markdown: bool) -> None:
    """Print every setting with its environment variable, current value and help."""
    if markdown:
        click.echo(settings.markdown_table())
        return
    for s in settings.SETTINGS:
        value = settings.get(s.name)
        if s.name == "secret_key" and value:
            value = "(set)"
        click.echo(f"{s.env}={value}\t{s.help}")


def _register_optional() -> None:
    """Commands that other parts of the package provide (trainer, labelling module, service)."""
    for module, names in (("training.commands", ("train", "evaluate")),
                          ("moderation.labelling.commands", ("tag",)),
                          ("moderation.app.commands", ("keys", "users")),
                          ("moderation.queue.report", ("queues",))):
        try:
            mod = __import__(module, fromlist=list(names))
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):
                continue
            raise
        for name in names:
            command = getattr(mod, name, None)
            if isinstance(command, click.Command):
                main.add_command(command, name)


def full_short_help(command: click.Command) -> None:
    """Give every command its docstring's first line as its summary, so `--help` lists never cut it with '...'."""
    if command.short_help is None and command.help:
        command.short_help = " ".join(command.help.split("\n\n")[0].split())
    for sub in getattr(command, "commands", {}).values():
        full_short_help(sub)


_register_optional()
full_short_help(main)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
