"""``derm sheet``: check a charge-sheet workbook, or write an empty charge-sheet template."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

sheet_app = typer.Typer(
    no_args_is_help=True, add_completion=False, rich_markup_mode=None, help="Charge sheets (Excel): check a workbook, write a template."
)
out = Console()
err = Console(stderr=True)


@sheet_app.command("check")
def check_cmd(
    input_path: Annotated[
        Path, typer.Argument(metavar="IN", help="The charge sheet: .xlsx, .xlsm, .xls, .ods or .csv. It is never changed.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="The checked copy to write (.xlsx; .xlsm for a macro workbook).")],
    force: Annotated[bool, typer.Option("--force", help="Replace the output if it exists.")] = False,
    rules: Annotated[
        Path | None, typer.Option("--rules", help="A ruleset snapshot file (YAML/JSON) instead of the current ruleset.")
    ] = None,
    path: Annotated[
        str, typer.Option("--path", help="auto, full (keep your workbook as it is) or fast (values only, for large sheets).")
    ] = "auto",
    fmt: Annotated[str, typer.Option("--format", "-f", help="table (readable) or json.")] = "table",
) -> None:
    """Check every claim of a charge sheet and write a copy with Check Status, Check Findings and Check Fix columns, a Summary and a FAQ sheet.

    Exit 0 clean or warnings, 1 errors, 2 unusable input.
    """
    from charge_sheets.check import SheetError, check_sheet
    from derm_core import service

    if path not in ("auto", "full", "fast"):
        _fail("--path must be auto, full or fast")
    try:
        ruleset = service.ruleset(rules)
    except (OSError, ValueError):
        _fail(f"{rules}: cannot read the ruleset (not a ruleset file, or damaged)")
    columns = [TextColumn("[bold]Checking[/bold] {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=err, transient=True, disable=fmt == "json") as bar:
        task = bar.add_task(escape(input_path.name), total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            summary = check_sheet(input_path, output, ruleset, force=force, progress=advance, mode=path)  # type: ignore[arg-type]
        except SheetError as e:
            bar.stop()
            _fail(str(e))
    if fmt == "json":
        print(json.dumps(summary.model_dump(mode="json"), indent=2))
    else:
        s = summary
        how = "your workbook kept" if s.path == "full" else "values only: a large sheet"
        out.print(
            f"Checked copy written to [bold]{escape(str(Path(s.output).resolve()))}[/bold] ({how}, {s.seconds:.1f} s).", highlight=False
        )
        out.print(f"Kept: {escape(s.kept)}", highlight=False)
        if s.not_kept:
            out.print(f"[dim]Not kept: {escape('; '.join(s.not_kept))}.[/dim]", highlight=False)
        recognised = ", ".join(
            f"{h} ({f}{'' if s.columns_confidence.get(h, 1.0) >= 1 else f', {s.columns_confidence[h]:.0%} sure'})"
            for h, f in s.columns_recognised.items()
        )
        out.print(f"Columns recognised: {escape(recognised)}", highlight=False)
        out.print(f"Columns ignored: {escape(', '.join(s.columns_ignored) or 'none')}", highlight=False)
        status = " · ".join(f"{s.by_status.get(k, 0)} {k}" for k in ("error", "warning", "clean"))
        out.print(f"{s.rows_checked:,} charge lines, {s.claims:,} claims: [bold]{status}[/bold]", highlight=False)
        for rule, n in list(s.findings_by_rule.items())[:5]:
            out.print(f"  {rule}  {n}", highlight=False)
        for note in s.notes:
            out.print(f"[dim]Note: {escape(note)}[/dim]", highlight=False)
    raise typer.Exit(1 if summary.by_status.get("error") else 0)


@sheet_app.command("template")
def template_cmd(
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the empty charge sheet (.xlsx).")] = Path("charges.xlsx"),
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
) -> None:
    """Write an empty charge sheet with the recognised headers, drop-down lists, input hints and two example rows."""
    from charge_sheets.template import SheetError, write_template

    try:
        write_template(output, force=force)
    except SheetError as e:
        _fail(str(e))
    out.print(
        f"Written to {escape(str(output.resolve()))}: fill in one row per charge line, then run "
        f"`derm sheet check {escape(str(output))} -o checked.xlsx`.",
        highlight=False,
    )


def _fail(message: str) -> NoReturn:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)
