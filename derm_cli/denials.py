"""``derm denials``: read remittances and find what keeps getting denied.

Only typer and rich are imported here; the readers, the analysis and the workbook are imported when a command
runs, so ``derm check`` never loads them.
"""

from __future__ import annotations

import json
import logging
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from derm_core.denials.analysis import Analysis

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    help="Read remittances (835, CSV/XLSX exports) and find what keeps getting denied.",
)
out = Console()
err = Console(stderr=True, soft_wrap=True)
log = logging.getLogger("derm_core.denials")


@app.command()
def analyze(
    paths: Annotated[list[Path], typer.Argument(help="835 files, CSV/XLSX denial or remittance exports, folders or zip archives.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report workbook (.xlsx) here.")] = None,
    checked: Annotated[
        list[Path] | None,
        typer.Option(
            "--checked",
            help="A check report (derm check --format json), the claims file it checked, or a charge sheet annotated by derm sheet check; repeat for several.",
        ),
    ] = None,
    chart: Annotated[Path | None, typer.Option("--chart", help="Also write the summary chart as a PNG here.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table (readable) or json.")] = "table",
    top: Annotated[int, typer.Option("--top", help="Patterns to show in the table output.")] = 15,
    spark: Annotated[
        str | None, typer.Option("--spark", metavar="MASTER_URL", help="On Spark: Parquet tables and report.xlsx in the --output folder.")
    ] = None,
) -> None:
    """Denial patterns by reason, code, payer, provider and month, ranked by money; KPIs; with --checked, which denials
    the checker caught and which it missed. Exit 0, or 2 when a file or segment could not be read (the rest is still analysed)."""
    if spark is not None:
        from .spark import denials_on_spark

        raise typer.Exit(denials_on_spark(spark, paths, output, checked or []))
    from derm_core.denials.analysis import analyze as run
    from derm_core.denials.matching import load_checked
    from derm_core.denials.sources import read_paths

    if fmt not in ("table", "json"):
        err.print(f"[red]error:[/red] --format is table or json, not {escape(fmt)}", highlight=False)
        raise typer.Exit(2)
    missing = [p for p in paths if not p.exists()]
    if missing:
        err.print(f"[red]error:[/red] {escape(', '.join(map(str, missing)))}: no such file or folder", highlight=False)
        raise typer.Exit(2)
    empty = [p for p in paths if p.is_dir() and not any(f.is_file() and not f.name.startswith(".") for f in p.rglob("*"))]
    if empty:
        err.print(
            f"[red]error:[/red] {escape(', '.join(map(str, empty)))}: the folder is empty "
            "(put the 835 files, CSV/XLSX exports or zip archives in it)",
            highlight=False,
        )
        raise typer.Exit(2)
    with err.status("Reading remittances...") if err.is_terminal else nullcontext():
        read = read_paths(paths)
    bad_checked: list[str] = []
    checked_claims = None
    if checked:
        checked_claims, bad_checked = load_checked(checked)
    analysis = run(read, checked=checked_claims)
    log.info("denials: %d files, %d claims, %d reading problems", read.files, len(read.claims), len(read.problems))
    if output is not None:
        from derm_core.denials.workbook import write_report

        write_report(analysis, output)
    if chart is not None:
        from derm_core.denials.slack_summary import chart_png

        chart.write_bytes(chart_png(analysis))
    if fmt == "json":
        print(json.dumps(analysis.model_dump(mode="json"), indent=2))
    else:
        _print(analysis, top, output)
    for warning in analysis.matching.warnings if analysis.matching else []:
        err.print(f"[yellow]warning:[/yellow] --checked: {escape(warning)}", highlight=False)
    for problem in [*analysis.read.problems, *bad_checked]:
        err.print(f"[red]error:[/red] {escape(problem)}", highlight=False)
    if read.problems or bad_checked:
        raise typer.Exit(2)


def _indented(text: str) -> Padding:
    return Padding(Text(text, style="dim"), (0, 0, 0, 6))


def _number(v: float) -> str:
    """A count as an integer, an amount with its cents: ``12``, ``3,528.50``."""
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,.2f}"


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1%}"


def _print(a: Analysis, top: int, output: Path | None) -> None:
    from derm_core.denials.workbook import KPI_LABELS

    r = a.read
    out.print(
        f"[bold]{r.claims_analysed}[/bold] claims, {r.lines_analysed} lines from {r.files} files "
        f"({r.reversed} reversed, {r.corrections} corrected, {r.orphan_reversals} reversals without their payment).",
        highlight=False,
    )
    out.print("[bold]KPIs[/bold]")
    for key, k in a.kpis.items():
        value = _pct(k.value) if k.value is not None else (k.note or "n/a")
        of = f" ({_number(k.numerator)} / {_number(k.denominator)})" if k.denominator else ""
        out.print(f"  {KPI_LABELS.get(key, key):<40} [bold]{escape(value)}[/bold]{of}", highlight=False)
        out.print(_indented(k.definition))
    out.print(f"[bold]Costliest denial patterns[/bold] (top {min(top, len(a.patterns))} of {len(a.patterns)}, by denied dollars)")
    for i, p in enumerate(a.patterns[:top], 1):
        out.print(
            f"  {i:>2}. [bold]{p.group}-{p.reason:<4}[/bold] {p.code:<8} {escape(p.payer):<26} {p.count:>5} x {f'${p.amount:,.2f}':>13}",
            highlight=False,
        )
        out.print(_indented(f"{p.action}. {p.meaning}"))
    trend = Table(title="By month")
    for h in ("month", "claims", "denied", "rate", "denied $", "change"):
        trend.add_column(h)
    for t in a.trend:
        change = "" if t.amount_change is None else f"{t.amount_change:+,.2f}"
        trend.add_row(t.month, str(t.claims), str(t.denied_claims), _pct(t.denial_rate), f"{t.denied_amount:,.2f}", change)
    out.print(trend)
    m = a.matching
    if m is not None:
        o = m.outcomes
        out.print(
            f"Against the checker ({m.remitted_and_checked} remitted claims were checked; lines matched {m.line_match}): "
            + ", ".join(f"{k.replace('_', ' ')} {v['count']} (${v['amount']:,.2f})" for k, v in o.items()),
            highlight=False,
        )
        for note in m.notes:
            out.print(f"[dim]{escape(note)}[/dim]")
        if m.missed:
            miss = Table(title="Missed by the checker: candidate rules")
            for h in ("group-reason", "code", "payer", "count", "denied $", "example claims"):
                miss.add_column(h, overflow="fold")
            for mp in m.missed[:top]:
                miss.add_row(
                    f"{mp.group}-{mp.reason}",
                    mp.code,
                    mp.payer,
                    str(mp.count),
                    f"{mp.amount:,.2f}",
                    ", ".join(e.claim_id for e in mp.examples),
                )
            out.print(miss)
        scores = Table(title="Rules against the remittances")
        for h in ("rule", "category", "flagged", "true pos.", "precision", "targeted denials", "recall"):
            scores.add_column(h)
        for s in m.rules:
            scores.add_row(
                s.rule, s.category, str(s.flagged), str(s.true_positives), _pct(s.precision), str(s.targeted_denials), _pct(s.recall)
            )
        out.print(scores)
    if output is not None:
        out.print(f"Report written to {escape(str(output))}", highlight=False)


@app.command()
def digest(
    post: Annotated[bool, typer.Option("--post", help="Post the digest now (run it weekly from cron).")] = False,
) -> None:
    """The Slack denials digest: aggregated figures and the chart, posted to the channel a billing manager set with
    `/derm denials digest #channel`. Needs SLACK_BOT_TOKEN and DERM_REMITTANCES_DIR. Exit 0 when posted, 1 otherwise."""
    from pydantic import ValidationError

    from slack_bot.clients import web_client
    from slack_bot.denials import Unavailable, digest_channel, post_digest
    from slack_bot.settings import Settings

    try:
        settings = Settings.from_env()
    except ValidationError as e:
        err.print(f"[red]error:[/red] the bot's settings: {escape(str(e.errors()[0]['msg']))}", highlight=False)
        raise typer.Exit(1) from None
    if not post:
        channel = digest_channel(settings)
        out.print(
            f"The digest goes to channel {channel}." if channel else "No digest channel is set (/derm denials digest #channel in Slack).",
            highlight=False,
        )
        out.print("derm denials digest --post posts it now.", highlight=False)
        return
    if not settings.bot_token:
        err.print("[red]error:[/red] SLACK_BOT_TOKEN not set; docs/slack.md explains where to find it", highlight=False)
        raise typer.Exit(1)
    client = web_client(settings.bot_token, settings.api_url)  # retries 429s and dropped connections
    try:
        channel = post_digest(client, settings)
    except Unavailable as e:
        err.print(f"[red]error:[/red] {escape(str(e).replace('`', ''))}", highlight=False)
        raise typer.Exit(1) from None
    except Exception as e:  # Slack refused or could not be reached: no traceback, no payload
        err.print(f"[red]error:[/red] the digest could not be posted ({type(e).__name__})", highlight=False)
        raise typer.Exit(1) from None
    out.print(f"Digest posted to channel {channel}.", highlight=False)
