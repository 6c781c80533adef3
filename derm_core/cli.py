"""The ``derm`` command."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from excel_addin.cli import sheet_app

from .claims_io import UnusableInput, describe, load_claims, parse_document, parse_text
from .coding import CodingError, SuggestRequest, suggest
from .engine import all_rules, check_claims
from .faq import ask
from .lookup import describe_code
from .render import claim_text, lines_text, report_table, rule_doc
from .rulecases import example
from .ruleset import load_ruleset
from .textclaim import TextParseError, parse_claim_text

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Check dermatology claims before they leave.")
app.add_typer(sheet_app, name="sheet")
out = Console()
err = Console(stderr=True)

FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table (readable) or json.")]
RulesOpt = Annotated[Path | None, typer.Option("--rules", help="A ruleset snapshot file (YAML/JSON) instead of the current ruleset.")]


def _error(message: str) -> None:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)


def _fail(message: str) -> NoReturn:
    _error(message)
    raise typer.Exit(2)


@app.command()
def check(
    files: Annotated[list[Path] | None, typer.Argument(help="Claims files (JSON or YAML); - reads standard input.")] = None,
    text: Annotated[
        str | None,
        typer.Option("--text", "-t", help='A pasted claim, e.g. "99213-25 L57.0; 17000 L57.0; medicare"; - reads standard input.'),
    ] = None,
    fmt: FormatOpt = "table",
    rules: RulesOpt = None,
) -> None:
    """Check claims and print the findings. Exit 0 clean or warnings, 1 errors, 2 unusable input."""
    ruleset = load_ruleset(rules)
    notes: list[str] = []
    if text is not None:
        source = sys.stdin.read() if text == "-" else text
        try:
            parsed = parse_claim_text(source)
        except TextParseError as e:
            _fail(f"pasted claim: {e}")
        claims, errors = [parsed.claim], list[str]()
        notes = parsed.notes + ([f"Not understood: {' '.join(parsed.not_understood)}"] if parsed.not_understood else [])
    elif not files or files == [Path("-")]:
        if sys.stdin.isatty():
            _fail("give claims files, --text, or pipe claims on standard input")
        try:
            claims, errors = parse_document(parse_text(sys.stdin.read(), "<stdin>"), "<stdin>")
        except UnusableInput as e:
            _fail(str(e))
    else:
        claims, errors = load_claims(files)
    report = check_claims(claims, ruleset)
    if fmt == "json":
        doc = report.model_dump(mode="json")
        if notes:
            doc["notes"] = notes
        out.print_json(json.dumps(doc)) if out.is_terminal else print(json.dumps(doc, indent=2))
    else:
        for n in notes:
            out.print(f"[dim]{n}[/dim]")
        if claims:
            out.print(report_table(report))
    for problem in errors:
        _error(problem)
    if errors:
        raise typer.Exit(2)
    raise typer.Exit(1 if any(c.status == "error" for c in report.claims) else 0)


@app.command("suggest")
def suggest_cmd(
    file: Annotated[Path, typer.Argument(help="A procedure description (JSON/YAML); - reads standard input.")],
    fmt: FormatOpt = "table",
) -> None:
    """The lines to bill for a procedure, e.g. {"procedure": "destruction", "pathology": "premalignant", "lesion_count": 16}."""
    name = "<stdin>" if str(file) == "-" else str(file)
    try:
        raw = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        result = suggest(SuggestRequest.model_validate(parse_text(raw, name)))
    except OSError as e:
        _fail(f"{name}: cannot read ({e.__class__.__name__})")
    except UnusableInput as e:
        _fail(str(e))
    except ValidationError as e:
        _fail(describe(e, name))
    except CodingError as e:
        _fail(f"{name}: {e}")
    if fmt == "json":
        print(result.model_dump_json(indent=2))
    else:
        out.print(f"[bold]{lines_text(result.lines)}[/bold]\n{result.explanation}", highlight=False)


@app.command("ask")
def ask_cmd(
    question: Annotated[str, typer.Argument(help='A coding question, e.g. "how many units of 17003 for 9 AKs"; - reads standard input.')],
    fmt: FormatOpt = "table",
    rules: RulesOpt = None,
) -> None:
    """Answer a coding question from the coding engine, the code tables or the FAQ, with the source and a confidence."""
    text = sys.stdin.read() if question == "-" else question
    if not text.strip():
        _fail("give a question")
    answer = ask(text, load_ruleset(rules))
    if fmt == "json":
        print(answer.model_dump_json(indent=2))
        return
    if answer.lines:
        out.print(f"[bold]{escape(lines_text(answer.lines))}[/bold]", highlight=False)
    out.print(escape(answer.answer), highlight=False)
    source = f"FAQ {answer.entry}" if answer.entry else "no FAQ entry"
    out.print(f"[dim]{source}; confidence {answer.confidence:.2f}[/dim]", highlight=False)
    if answer.references:
        out.print(f"[dim]References: {escape('; '.join(answer.references))}[/dim]", highlight=False)
    if answer.related:
        related = "; ".join(f"{r['title']} ({r['id']})" for r in answer.related)
        out.print(f"[dim]Related: {escape(related)}[/dim]", highlight=False)


@app.command("rule")
def rule_cmd(
    rule_id: Annotated[str | None, typer.Argument(help="A rule id such as DRM110; omit to list every rule.")] = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the rules reference as Markdown (docs/rules.md).")] = False,
) -> None:
    """Print a rule's documentation: what it checks, why payers deny it, an example and the fix."""
    rules = all_rules()
    if markdown:
        print(rules_markdown(), end="")
        return
    if rule_id is None:
        for r in rules.values():
            out.print(f"{r.id}  {r.category.value:<22} {r.severity:<8} {r.title}", highlight=False)
        return
    found = rules.get(rule_id.strip().upper())
    if found is None:
        _fail(f"no rule {rule_id}; `derm rule` lists them")
    else:
        print(rule_doc(found, *example(found.id)), end="")


def rules_markdown() -> str:
    parts = ["# Rules reference", "", "Generated from the rules themselves (`derm rule --markdown`); do not edit by hand.", ""]
    rules = all_rules()
    parts += ["| rule | category | severity | title |", "|---|---|---|---|"]
    parts += [f"| [{r.id}](#{r.id.lower()}) | {r.category.value} | {r.severity} | {r.title} |" for r in rules.values()]
    parts.append("")
    for r in rules.values():
        parts.append(rule_doc(r, *example(r.id), markdown=True))
    return "\n".join(parts)


@app.command("code")
def code_cmd(code: Annotated[str, typer.Argument(help="A CPT/HCPCS or ICD-10-CM code.")]) -> None:
    """What a code is, in our own words, and whether it is valid."""
    print(describe_code(code))


def main() -> None:
    app()


if __name__ == "__main__":
    main()


__all__ = ["app", "claim_text", "describe_code", "main"]
