"""The `sparring` command. Subcommands load lazily so `sparring --help` stays fast
and one broken optional piece never takes the whole CLI down."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

#: name -> "module:attribute" of a click command or group.
COMMANDS: dict[str, str] = {
    "chat": "sparring.cli.chat:chat",
    "serve": "sparring.cli.serve:serve",
    "personas": "sparring.cli.personas:personas",
    "simulate": "sparring.cli.simulate:simulate",
    "annotate": "sparring.cli.annotate:annotate",
    "eval": "sparring.cli.eval:eval_command",
    "users": "sparring.cli.users:users",
    "sessions": "sparring.cli.sessions:sessions",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command


@click.group(cls=LazyGroup)
@click.version_option(package_name="sparring")
def cli() -> None:
    """Sparring: rehearse coaching conversations with resistant managers."""


def main(argv: list[str] | None = None) -> Any:
    """Entry point; user-facing errors end as one line on stderr and exit code 2, never a traceback."""
    from sparring.errors import USER_FACING

    try:
        return cli.main(args=argv, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except USER_FACING as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
