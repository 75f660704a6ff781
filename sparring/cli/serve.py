"""`sparring serve`: the Chainlit app, with our own flags and settings applied."""

from __future__ import annotations

import os
import sys

import click

from sparring.providers import check_model
from sparring.settings import ROOT, load_settings


@click.command()
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default 8000).")
@click.option("--model", default=None, help="local, fake or openai:<model> (default: SPARRING_MODEL).")
@click.option("--watch", is_flag=True, help="Reload when files change (for development).")
def serve(host: str | None, port: int | None, model: str | None, watch: bool) -> None:
    """Start the practice app in the browser (http://127.0.0.1:8000)."""
    settings = load_settings().with_model(model)
    # Fail here, in the terminal, rather than on the first chat message.
    check_model(settings.model, settings)
    from sparring.ui.auth import auth_config

    auth_config(settings)  # a bad users file or missing secret fails here, in one line
    env = dict(os.environ, SPARRING_MODEL=settings.model)
    host = host or settings.host
    port = port or settings.port
    args = [sys.executable, "-m", "chainlit", "run", str(ROOT / "app.py"), "--headless",
            "--host", host, "--port", str(port)]
    if watch:
        args.append("--watch")
    click.echo(f"Sparring on http://{host}:{port} (model: {settings.model}). Ctrl-C stops it.")
    os.chdir(ROOT)
    os.execve(sys.executable, args, env)
