"""The ``divgenbench`` command: thin typer layers over the library; no logic lives here.

Each command group is one module; errors a user can fix become one line and exit code 2.
"""

from __future__ import annotations

import logging
import sys

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import DivGenBenchError
from . import cache, evaluate, leaderboard, merge, models, plan, prompts, reference, results, score

app = typer.Typer(
    name="divgenbench",
    help="Measure how diverse a text-to-image model's outputs are (IDS ↓, ASC ↑, SDI ↑, PVS ↑).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("eval", help=evaluate.eval_command.__doc__)(evaluate.eval_command)
app.command("plan", help=plan.plan_command.__doc__)(plan.plan_command)
app.command("plan", help=plan.plan_command.__doc__)(plan.plan_command)
app.command("merge", help=merge.merge_command.__doc__)(merge.merge_command)
app.add_typer(prompts.app, name="prompts")
app.add_typer(models.app, name="models")
app.command("score", help=score.score_command.__doc__)(score.score_command)
app.add_typer(cache.app, name="cache")
app.add_typer(reference.app, name="reference")
app.command("validate", help=results.validate_command.__doc__)(results.validate_command)
app.command("report", help=results.report_command.__doc__)(results.report_command)
app.command("compare", help=results.compare_command.__doc__)(results.compare_command)
app.add_typer(leaderboard.app, name="leaderboard")

err_console = Console(stderr=True)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        app()
    except DivGenBenchError as exc:
        err_console.print(f"[bold red]error:[/] {escape(exc.one_line())}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except OSError as exc:  # the environment, not the code: a full disk, a read-only folder, a name too long
        where = f" ({exc.filename})" if exc.filename else ""
        err_console.print(f"[bold red]error:[/] {escape(exc.strerror or str(exc))}{escape(where)} — free disk space, "
                          "check permissions, or choose another folder; finished images are kept",
                          highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("interrupted: finished images are kept; run the same command again to resume")
        sys.exit(130)
