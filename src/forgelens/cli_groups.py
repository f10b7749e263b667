"""Sub-command groups of the ``forgelens`` command, apart from ``cli.py`` so that the modules
that add commands (``register(app)``) never import the CLI that imports them."""

from __future__ import annotations

import typer

__all__ = ["command_group"]


def command_group(parent: typer.Typer, name: str, help: str) -> typer.Typer:
    """The sub-command group ``name`` of ``parent``, created on first use, so that several
    modules can add commands to one group (e.g. ``forgelens train localizer`` / ``generated``)."""
    for g in parent.registered_groups:
        if g.name == name:
            return g.typer_instance
    group = typer.Typer(help=help, no_args_is_help=True)
    parent.add_typer(group, name=name)
    return group
