"""``derm rules ...`` and ``derm data ...``: the admin's commands (contracts section 6; docs/admin.md)."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

rules_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None, help="Administer the versioned ruleset: export, import, history, diff, rollback."
)
data_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None, help="Load CMS NCCI practitioner PTP and MUE files into the rules store."
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table (readable) or json.")]
AuthorOpt = Annotated[str | None, typer.Option("--author", help="Who makes the change (default: your login name).")]


def _fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)


def _store() -> Any:
    from derm_core.store import open_store, store_url

    try:
        return open_store()
    except Exception as e:
        _fail(
            f"cannot open the rules store ({type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}); check DERM_RULES_DB={store_url()}"
        )


def _print_problems(problems: list[Any], outcome: str = "nothing was published") -> None:
    err.print(f"[red]Refused:[/red] {len(problems)} problem{'s' if len(problems) != 1 else ''}; {outcome}.")
    for p in problems:
        err.print(f"  {escape(str(p))}")


@rules_app.command("export")
def export_cmd(path: Annotated[Path, typer.Argument(help="The workbook to write, e.g. rules.xlsx.")]) -> None:
    """Write the current ruleset's admin tables to an Excel workbook, one sheet per table."""
    from derm_core.engine import all_rules
    from derm_core.rulebook import export_workbook

    store = _store()
    empty = store.head() == 0
    current = store.current()
    if empty and current.number == 1:
        out.print(f"The rules store had no version yet: created version 1 from the shipped ruleset ({escape(current.reason)}).")
    about = f"{current.created_at:%Y-%m-%d %H:%M} UTC by {current.author}: {current.reason}"
    export_workbook(current.ruleset, path, base=current.number, about=about, rule_ids=list(all_rules()))
    out.print(f"Wrote {escape(str(path))} (ruleset version {current.number}). After editing it:")
    out.print(f'  derm rules import {escape(str(path))} --author "Your Name" --reason "What and why" --dry-run')


@rules_app.command("import")
def import_cmd(
    path: Annotated[Path, typer.Argument(help="A rules workbook (from `derm rules export`).")],
    author: Annotated[str, typer.Option("--author", help="Who makes the change.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the history).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only validate and show the changes; publish nothing.")] = False,
    confirm: Annotated[
        bool, typer.Option("--confirm", help="Publish a change that turns off many rules or empties a table (it is refused without).")
    ] = False,
) -> None:
    """Validate a rules workbook, print the changes, and publish it as a new version. Exit 2 when refused.
    A change that turns off 5 or more rules or empties a table is shown with a warning and needs --confirm."""
    from derm_core.admin import Rejected, diff_text
    from derm_core.rulebook import read_workbook
    from derm_core.store.core import Conflict, Unconfirmed

    if not path.is_file():
        _fail(f"{path}: no such file")
    read = read_workbook(path)
    store = _store()
    if read.problems:
        problems = read.all_problems()
        store.audit(author, "publish", {"reason": reason, "file": path.name, "refused": [str(p) for p in problems[:100]]}, allowed=False)
        _print_problems(problems)
        raise typer.Exit(2)
    try:
        published = store.publish(
            read.raw, author=author, reason=reason, base=read.base, dry_run=dry_run, rows=read.row_number, confirm=confirm
        )
    except Rejected as e:
        _print_problems(e.problems)
        raise typer.Exit(2) from None
    except Conflict as e:
        _fail(str(e))
    except Unconfirmed as e:
        out.print(escape(diff_text(e.changes)))
        _print_drastic(e.warnings)
        _fail(f"not published: read the changes above, then run the import again with --confirm to publish {path.name}")
    out.print(escape(diff_text(published.changes)))
    _print_drastic(published.warnings)
    if not published.changes:
        return
    if dry_run:
        base = published.base.number if published.base else 0
        needs = " Publishing it needs --confirm." if published.warnings else ""
        out.print(
            f"Dry run: the workbook is valid; {len(published.changes)} change(s) against version {base}. Nothing was published.{needs}"
        )
    else:
        out.print(f"Published version {published.version.number}.")


def _print_drastic(warnings: list[str]) -> None:
    """A publish that turns off many rules or empties a table, said loudly on both streams (after the diff)."""
    from derm_core.admin import drastic_text

    if warnings:
        text = drastic_text(warnings)
        out.print(f"[bold red]{escape(text)}[/bold red]")
        err.print(f"[bold red]{escape(text)}[/bold red]")


@rules_app.command("history")
def history_cmd(
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many versions, newest first.")] = 50, fmt: FormatOpt = "table"
) -> None:
    """List the ruleset's versions: number, time, author, reason, number of changes."""
    versions = [v.summary() for v in _store().history(limit)]
    if fmt == "json":
        print(json.dumps(versions, indent=2))
        return
    table = Table("version", "time (UTC)", "author", "reason", "changes")
    for v in versions:
        table.add_row(str(v["version"]), v["time"].replace("T", " ")[:16], escape(v["author"]), escape(v["reason"]), str(v["changes"]))
    out.print(table)


@rules_app.command("diff")
def diff_cmd(
    a: Annotated[int, typer.Argument(help="The older version.")],
    b: Annotated[int | None, typer.Argument(help="The newer version (default: the current one).")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """The changes from version A to version B."""
    from derm_core.admin import diff, diff_text

    store = _store()
    try:
        old, new = store.get(a), store.get(b) if b is not None else store.current()
    except KeyError as e:
        _fail(str(e.args[0]))
    changes = diff(old.ruleset, new.ruleset)
    if fmt == "json":
        print(json.dumps([c.as_dict() for c in changes], indent=2))
    else:
        out.print(escape(diff_text(changes)))


@rules_app.command("rollback")
def rollback_cmd(
    version: Annotated[int, typer.Argument(help="The version to make current again (as a new version).")],
    author: AuthorOpt = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (default: 'Rollback to version N').")] = None,
    confirm: Annotated[bool, typer.Option("--confirm", help="Roll back even when that turns off many rules or empties a table.")] = False,
) -> None:
    """Make an earlier version current again, as a new version (history is never rewritten)."""
    from derm_core.admin import Rejected, diff_text
    from derm_core.store.core import Unconfirmed

    store = _store()
    try:
        published = store.rollback(version, author=author or getpass.getuser(), reason=reason, confirm=confirm)
    except KeyError as e:
        _fail(str(e.args[0]))
    except Rejected as e:
        _print_problems(e.problems)
        raise typer.Exit(2) from None
    except Unconfirmed as e:
        out.print(escape(diff_text(e.changes)))
        _print_drastic(e.warnings)
        _fail(f"not rolled back: read the changes above, then run `derm rules rollback {version} --confirm`")
    out.print(escape(diff_text(published.changes)))
    _print_drastic(published.warnings)
    if published.version is None:
        out.print(f"Version {version} has the same tables as the current version; nothing was published.")
    else:
        out.print(f"Published version {published.version.number} (the tables of version {version}).")


@rules_app.command("snapshot")
def snapshot_cmd(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="The JSON file to write (default: print).")] = None,
) -> None:
    """Write the current ruleset as a JSON snapshot (for `derm check --rules`, xlwings Lite, other hosts)."""
    from derm_core import service

    ruleset = service.ruleset(warn=lambda m: err.print(f"[yellow]warning:[/yellow] {escape(m)}"))
    text = ruleset.model_copy(update={"ncci_quarter": None}).model_dump_json(indent=2)
    if output is None:
        print(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        err.print(f"Wrote {escape(str(output))} (ruleset version {ruleset.version}).")


@rules_app.command("overrides")
def overrides_cmd(
    days: Annotated[int, typer.Option("--days", help="Count the overrides of the last N days (0: all).")] = 30,
    rule: Annotated[str | None, typer.Option("--rule", help="List one rule's overrides instead of the counts.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Overrides per rule, most first: a rule that billers keep overriding is probably wrong for them."""
    store = _store()
    since = datetime.now(UTC) - timedelta(days=days) if days else None
    if rule:
        rows = store.overrides(rule, since)
        if fmt == "json":
            print(json.dumps(rows, indent=2, default=str))
            return
        table = Table("time (UTC)", "user", "claim", "line", "reason")
        for r in rows:
            table.add_row(f"{r['at']:%Y-%m-%d %H:%M}", escape(r["user"]), escape(r["claim_ref"]), str(r["line"] or ""), escape(r["reason"]))
        out.print(table)
        return
    counts = store.override_counts(since)
    if fmt == "json":
        print(json.dumps([{"rule": r, "overrides": n} for r, n in counts], indent=2))
        return
    if not counts:
        out.print("No overrides" + (f" in the last {days} days." if days else "."))
        return
    table = Table("rule", "overrides")
    for r, n in counts:
        table.add_row(r, str(n))
    out.print(table)


@rules_app.command("override")
def override_cmd(
    rule: Annotated[str, typer.Argument(help="The rule whose finding is overridden, e.g. DRM050.")],
    claim: Annotated[str, typer.Option("--claim", help="The claim id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the finding does not apply.")],
    line: Annotated[int | None, typer.Option("--line", help="The line (0-based, as in reports).")] = None,
    user: AuthorOpt = None,
) -> None:
    """Record that a biller overrode a finding (who, when, why); admins review the counts weekly. A reason or a
    claim id that looks like it holds patient identifiers is refused (the Slack bot's detector)."""
    from derm_core import phi
    from derm_core.admin import Problem, Rejected
    from derm_core.textclaim import is_claim_id

    refused = []
    if kinds := phi.identifiers(reason):
        refused.append(
            Problem(
                "Override",
                None,
                "Reason",
                f"looks like it holds patient identifiers ({', '.join(kinds)}); give the reason without them (codes only)",
            )
        )
    if not is_claim_id(claim.strip()) or phi.identifiers(claim):
        refused.append(
            Problem("Override", None, "Claim", "a claim ID: letters, digits and . _ / - with at least one digit (no patient details)")
        )
    if refused:
        _print_problems(refused, "nothing was recorded")
        raise typer.Exit(2)
    store = _store()
    try:
        store.add_override(
            user=user or getpass.getuser(), reason=reason, rule=rule, claim_ref=claim, line=line, ruleset_version=str(store.head())
        )
    except Rejected as e:
        _print_problems(e.problems, "nothing was recorded")
        raise typer.Exit(2) from None
    out.print(f"Recorded the override of {escape(rule.upper())} on claim {escape(claim)}.")


@rules_app.command("audit")
def audit_cmd(limit: Annotated[int, typer.Option("--limit", "-n")] = 50, fmt: FormatOpt = "table") -> None:
    """The audit log, newest first: publishes, rollbacks, refused attempts, data loads, overrides."""
    entries = _store().audit_log(limit)
    if fmt == "json":
        print(json.dumps([e.__dict__ for e in entries], indent=2, default=str))
        return
    table = Table("time (UTC)", "who", "action", "allowed", "detail")
    for e in entries:
        table.add_row(
            f"{e.at:%Y-%m-%d %H:%M}", escape(e.actor), e.action, "yes" if e.allowed else "REFUSED", escape(json.dumps(e.detail)[:150])
        )
    out.print(table)


@data_app.command("load")
def load_cmd(
    folder: Annotated[Path, typer.Argument(help="A folder with the quarter's CMS files (zips or unpacked).")],
    quarter: Annotated[str | None, typer.Option("--quarter", help="The quarter, e.g. 2026Q2 (default: read from the file names).")] = None,
    year: Annotated[
        int | None, typer.Option("--year", help="The fee-schedule year, e.g. 2026 (default: read from the file names).")
    ] = None,
    author: AuthorOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Load CMS files as CMS publishes them into the rules store: NCCI practitioner PTP and MUE files, and the
    Physician Fee Schedule relative value file (PPRRVU, in the year's RVU zip), whose global days and indicators
    then win over the shipped defaults for dates of service in its year."""
    from derm_core.store.ncci_db import load_dir

    if not folder.is_dir():
        _fail(f"{folder}: not a folder")
    try:
        results = load_dir(_store(), folder, quarter, author, year)
    except ValueError as e:
        _fail(str(e))
    if fmt == "json":
        print(json.dumps([r.as_dict() for r in results], indent=2))
    else:
        table = Table("file", "kind", "quarter", "status", "loaded", "rejected", "effective", "latest deletion", "sha256")
        for r in results:
            dates = f"{r.min_effective} .. {r.max_effective}" if r.min_effective else ""
            table.add_row(
                escape(r.name), (r.kind or "").upper(), r.quarter or "", r.status, f"{r.loaded:,}", f"{r.rejected:,}", dates,
                str(r.max_deletion or ""), (r.sha256 or "")[:12],
            )  # fmt: skip
        out.print(table)
        for r in results:
            for note in ([r.note] if r.note else []) + r.rejected_examples:
                out.print(f"  {escape(r.name)}: {escape(note)}")
    failed = [r for r in results if r.status == "failed"]
    if not any(r.status in ("loaded", "replaced", "unchanged") for r in results):
        detail = "".join(f"; {r.name}: {r.note}" for r in failed[:5])
        _fail(f"no CMS NCCI practitioner PTP or MUE file or fee-schedule table was loaded from {folder}{detail}")
    if failed:
        for r in failed:
            err.print(f"[red]error:[/red] {escape(r.name)}: {escape(r.note)}")
        raise typer.Exit(2)


@data_app.command("status")
def status_cmd(fmt: FormatOpt = "table") -> None:
    """The NCCI files loaded, by quarter (a date of service outside them is reported as not checked), and the
    fee-schedule tables loaded, by year (other years use the shipped defaults)."""
    from derm_core.store.ncci_db import loaded_files
    from derm_core.store.pfs_db import loaded_pfs_files

    store = _store()
    files, pfs = loaded_files(store), loaded_pfs_files(store)
    if fmt == "json":
        print(json.dumps(files + [{"kind": "pfs", **f} for f in pfs], indent=2, default=str))
        return
    if pfs:
        years = Table("year", "fee-schedule file", "codes", "rejected", "loaded (UTC)", "by", "sha256")
        for f in pfs:
            years.add_row(
                str(f["year"]), escape(f["name"]), f"{f['rows_loaded']:,}", f"{f['rows_rejected']:,}",
                f"{f['loaded_at']:%Y-%m-%d %H:%M}", escape(f["loaded_by"]), f["sha256"][:12],
            )  # fmt: skip
        out.print(years)
    else:
        out.print("No fee-schedule file loaded: global days and indicators come from the shipped table's defaults.")
    if not files:
        out.print("No NCCI file loaded: pair edits and MUE limits are reported as not checked. See `derm data load`.")
        return
    table = Table("quarter", "kind", "file", "rows", "rejected", "loaded (UTC)", "by", "sha256")
    for f in files:
        table.add_row(
            f["quarter"], f["kind"].upper(), escape(f["name"]), f"{f['rows_loaded']:,}", f"{f['rows_rejected']:,}",
            f"{f['loaded_at']:%Y-%m-%d %H:%M}", escape(f["loaded_by"]), f["sha256"][:12],
        )  # fmt: skip
    out.print(table)
