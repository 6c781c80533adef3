"""The ``derm`` command."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from .denials import app as denials_app
from .rules import data_app, rules_app
from .sheet import sheet_app

if TYPE_CHECKING:
    from derm_core.models import Claim

# The core is imported inside each command: `derm --help` and the subcommands' help load none of it (start-up).

app = typer.Typer(no_args_is_help=True, add_completion=False, rich_markup_mode=None, help="Check dermatology claims before they leave.")
app.add_typer(rules_app, name="rules")
app.add_typer(data_app, name="data")
app.add_typer(sheet_app, name="sheet")
out = Console()
err = Console(stderr=True, soft_wrap=True)  # messages name files: never hard-wrapped mid-path
app.add_typer(denials_app, name="denials")

CLAIM_FILE_SUFFIXES = {".json", ".yaml", ".yml"}
SHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv"}
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table (readable) or json.")]
IndentOpt = Annotated[
    int | None, typer.Option("--indent", help="Indent the JSON report by this many spaces (compact by default).", min=0, max=8)
]
RulesOpt = Annotated[Path | None, typer.Option("--rules", help="A ruleset snapshot file (YAML/JSON) instead of the current ruleset.")]


def _error(message: str) -> None:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)  # a message is never broken across lines


def _warn(message: str) -> None:
    err.print(f"[yellow]warning:[/yellow] {escape(message)}", soft_wrap=True)


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
    spark: Annotated[
        str | None,
        typer.Option(
            "--spark",
            metavar="MASTER_URL",
            help="On Spark: --spark [MASTER_URL] INPUT OUTPUT, claim lines (Parquet, CSV, JSON) in, findings (Parquet) out; MASTER_URL defaults to local[*].",
        ),
    ] = None,
    indent: IndentOpt = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", help="Processes for a large batch (default: one per core, at most 4).", min=1)
    ] = None,
) -> None:
    """Check claims and print the findings. Exit 0 clean or warnings, 1 errors, 2 unusable input.

    The words after --text are one pasted claim, quoted or not; a claims file given with --text is refused."""
    from pydantic import ValidationError

    from derm_core import service
    from derm_core.claims_io import UnusableInput, claim_items, load_claims, parse_document, parse_text, read_file
    from derm_core.engine import warm_up
    from derm_core.textclaim import TextParseError, parse_claim_text

    if spark is not None:
        from .spark import check_on_spark

        raise typer.Exit(check_on_spark(spark, files or [], rules, _warn))
    if text is not None and files:
        words = [str(f) for f in files]
        named = [w for w in words if w == "-" or Path(w).suffix.lower() in CLAIM_FILE_SUFFIXES or Path(w).exists()]
        if named:
            _fail(f"give a pasted claim (--text) or claims files, not both: {', '.join(named)} would not be checked")
        text, files = " ".join([text, *words]), None  # --text 99213-25 L40.0 without quotes: one claim
    sheets = [f for f in files or () if f.suffix.lower() in SHEET_SUFFIXES]
    if sheets:
        _fail(f"{sheets[0]} is a charge sheet: use `derm sheet check {sheets[0]}` (derm check reads JSON or YAML claims files)")
    ruleset = service.ruleset(rules, warn=_warn)
    warm_up()
    notes: list[str] = []
    items: list[tuple[Claim | object, str]] = []  # for --format json: claims checked one at a time
    errors: list[str] = []
    claims: list[Claim] = []
    if text is not None:
        source = sys.stdin.read() if text == "-" else text
        try:
            parsed = parse_claim_text(source)
        except TextParseError as e:
            _fail(f"pasted claim: {e}")
        except ValidationError:
            _fail("pasted claim: a value cannot be used (for example an impossible date)")
        claims = [parsed.claim]
        notes = parsed.notes + ([f"Not understood: {' '.join(parsed.not_understood)}"] if parsed.not_understood else [])
        notes += [f"Dates not used: {', '.join(map(str, parsed.unused_dates))}"] if parsed.unused_dates else []
        report = service.check_text(parsed, ruleset)  # with the TXT findings for what was read only in part
        items = [(report.claims[0], "pasted claim")]  # already checked: written as it is
    elif not files or files == [Path("-")]:
        if sys.stdin.isatty():
            _fail("give claims files, --text, or pipe claims on standard input")
        try:
            stdin = getattr(sys.stdin, "buffer", None)  # bytes for the JSON parser; a replaced stdin may have only text
            data = parse_text(stdin.read() if stdin is not None else sys.stdin.read(), "<stdin>")
        except UnusableInput as e:
            _fail(str(e))
        if fmt == "json":
            items = list(claim_items(data, "<stdin>"))
        else:
            claims, errors = parse_document(data, "<stdin>")
    elif fmt == "json":
        for path in files:
            data, problem = read_file(path)
            if problem is not None:
                errors.append(problem)
            else:
                items += claim_items(data, str(path))
    else:
        claims, errors = load_claims(files)
    if fmt == "json":
        from .batch import check_to_json

        pretty = indent if indent is not None else (2 if out.is_terminal else None)
        bad, any_error = check_to_json(items, ruleset, sys.stdout, pretty, notes, jobs)
        errors += bad
    else:
        if text is None:
            report = service.check(claims, ruleset)  # with the findings billers overrode for these claim ids
        any_error = any(c.status == "error" for c in report.claims)
        from .render import report_table

        for n in notes:
            out.print(f"[dim]{n}[/dim]")
        if claims:
            out.print(report_table(report, claims))
    if not errors and not (items if fmt == "json" else claims):
        _warn(f"no claims in {', '.join(map(str, files)) if files else '<stdin>'}: nothing was checked")
    for problem in errors:
        _error(problem)
    if errors:
        raise typer.Exit(2)
    raise typer.Exit(1 if any_error else 0)


@app.command("suggest")
def suggest_cmd(
    file: Annotated[Path, typer.Argument(help="A procedure description (JSON/YAML); - reads standard input.")],
    fmt: FormatOpt = "table",
) -> None:
    """The lines to bill for a procedure, e.g. {"procedure": "destruction", "pathology": "premalignant", "lesion_count": 16}."""
    from pydantic import ValidationError

    from derm_core.claims_io import UnusableInput, describe, parse_text
    from derm_core.coding import CodingError, SuggestRequest, suggest
    from derm_core.render import lines_text

    name = "<stdin>" if str(file) == "-" else str(file)
    try:
        raw = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        result = suggest(SuggestRequest.model_validate(parse_text(raw, name)))
    except OSError as e:
        _fail(f"{name}: cannot read ({e.strerror or 'not readable'})")
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
    question: Annotated[
        list[str], typer.Argument(help="A coding question, quoted or not: how many units of 17003 for 9 AKs; - reads standard input.")
    ],
    fmt: FormatOpt = "table",
    rules: RulesOpt = None,
) -> None:
    """Answer a coding question from the coding engine, the code tables or the FAQ, with the source and a confidence."""
    from derm_core import service
    from derm_core.faq import ask
    from derm_core.render import lines_text

    text = sys.stdin.read() if question == ["-"] else " ".join(question)
    if not text.strip():
        _fail("give a question")
    answer = ask(text, service.ruleset(rules, warn=_warn))
    if fmt == "json":
        print(answer.model_dump_json(indent=2))
        return
    if answer.lines:
        out.print(f"[bold]{escape(lines_text(answer.lines))}[/bold]", highlight=False)
    out.print(escape(answer.answer), highlight=False)
    source = f"FAQ {answer.entry}" if answer.entry else "no FAQ entry"
    out.print(f"[dim]{source}; confidence {answer.confidence:.2f}[/dim]", highlight=False)
    if answer.references:
        from derm_core.bibliography import cite

        out.print(f"[dim]References: {escape('; '.join(map(cite, answer.references)))}[/dim]", highlight=False)
    if answer.related:
        related = "; ".join(f"{r['title']} ({r['id']})" for r in answer.related)
        out.print(f"[dim]Related: {escape(related)}[/dim]", highlight=False)


@app.command("rule")
def rule_cmd(
    rule_id: Annotated[str | None, typer.Argument(help="A rule id such as DRM110; omit to list every rule.")] = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the rules reference as Markdown (docs/rules.md).")] = False,
) -> None:
    """Print a rule's documentation: what it checks, why payers deny it, an example and the fix."""
    from derm_core.engine import all_rules
    from derm_core.render import rule_doc
    from derm_core.rulecases import example

    rules = all_rules()
    if markdown:
        print(rules_markdown(), end="")
        return
    if rule_id is None:
        for r in rules.values():
            print(f"{r.id}  {r.category.value:<22} {r.severity:<8} {r.title}")
        return
    found = rules.get(rule_id.strip().upper())
    if found is None:
        _fail(f"no rule {rule_id}; `derm rule` lists them")
    else:
        print(rule_doc(found, *example(found.id)), end="")


def rules_markdown() -> str:
    from derm_core.engine import all_rules
    from derm_core.render import rule_doc
    from derm_core.rulecases import example

    parts = ["# Rules reference", "", "Generated from the rules themselves (`derm rule --markdown`); do not edit by hand.", ""]
    rules = all_rules()
    parts += ["| rule | category | severity | title |", "|---|---|---|---|"]
    parts += [f"| [{r.id}](#{r.id.lower()}) | {r.category.value} | {r.severity} | {r.title} |" for r in rules.values()]
    parts.append("")
    for r in rules.values():
        parts.append(rule_doc(r, *example(r.id), markdown=True))
    return "\n".join(parts)


@app.command("ref")
def ref_cmd(key: Annotated[str, typer.Argument(help="A reference key from a rule, an answer or the code tables, e.g. AAPC2007.")]) -> None:
    """What a reference key stands for: the source's title, its URL where public, and what cites it."""
    from derm_core import bibliography

    text = bibliography.describe(key.strip()) or bibliography.describe(key.strip().upper())
    if text is None:
        near = bibliography.search(key)
        hint = ("; did you mean " + ", ".join(s.key for s in near[:8]) + "?") if near else ""
        _fail(f"no reference {key!r} in the bibliography{hint}")
    print(text)  # plain: a URL must not be wrapped


@app.command("code")
def code_cmd(code: Annotated[str, typer.Argument(help="A CPT/HCPCS or ICD-10-CM code.")]) -> None:
    """What a code is, in our own words, and whether it is valid."""
    from derm_core.lookup import describe_code

    print(describe_code(code))


# --- Slack bot (slack_bot/; docs/slack.md) ------------------------------------------------------


def _slack_settings(*required: str):  # -> slack_bot.settings.Settings
    from pydantic import ValidationError

    from slack_bot.settings import Settings

    try:
        settings = Settings.from_env()
    except ValidationError as e:
        _fail(
            "the bot's settings: "
            + "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg'].removeprefix('Value error, ')}" for x in e.errors())
        )
    missing = settings.missing(*required)
    if missing:
        _fail(f"{' and '.join(missing)} not set; docs/slack.md explains where to find them")
    return settings


def _slack_app(settings):  # -> slack_bolt.App
    from slack_bot.app import create_app

    try:
        return create_app(settings)
    except Exception as e:  # a bad token or no network: say so instead of a traceback
        _fail(f"cannot start the Slack app ({type(e).__name__}): check SLACK_BOT_TOKEN and the network")


@app.command("slack")
def slack_cmd() -> None:
    """Run the Slack bot in Socket Mode (no inbound port). Needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    settings = _slack_settings("bot_token", "app_token")
    SocketModeHandler(_slack_app(settings), settings.app_token).start()


@app.command("serve")
def serve_cmd(
    port: Annotated[int, typer.Option("--port", "-p", help="TCP port.")] = 3000,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    rules_only: Annotated[
        bool, typer.Option("--rules-only", help="Serve GET /rules/current and /healthz only, without the Slack bot.")
    ] = False,
) -> None:
    """Serve the Slack bot over HTTP at /slack/events, GET /healthz and the current ruleset at GET /rules/current.
    The bot needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET; without both (or with --rules-only) only the ruleset is
    served, for Excel users. Off this machine, /rules/current needs DERM_RULES_TOKEN."""
    import ipaddress

    from derm_core.settings import server_settings
    from slack_bot.server import serve

    settings = _slack_settings()
    if not rules_only and not settings.bot_token and not settings.signing_secret:
        _warn("SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not set: serving GET /rules/current only (no Slack bot)")
        rules_only = True
    if not rules_only:
        missing = settings.missing("bot_token", "signing_secret")
        if missing:
            _fail(f"{' and '.join(missing)} not set; docs/slack.md explains where to find them (or use --rules-only)")
    try:
        local = ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = host == "localhost"
    if not local and not server_settings().rules_token:
        _warn("DERM_RULES_TOKEN is not set: GET /rules/current answers only requests from this machine")
    bolt_app = None if rules_only else _slack_app(settings)
    serve(bolt_app, host=host, port=port, signing_secret=settings.signing_secret)


@app.command("chat")
def chat_cmd() -> None:
    """Talk to the Slack bot's handlers in the terminal (no Slack needed): type a claim or a question."""
    from slack_bot.bot import DermBot
    from slack_bot.chat import BANNER, chat

    interactive = sys.stdin.isatty()
    if interactive:
        out.print(BANNER, highlight=False, markup=False)
    chat(DermBot(sheet_checker=None), sys.stdin, write=print, prompt=(lambda: print("> ", end="", flush=True)) if interactive else None)


# The extra that brings each optional library (pyproject.toml), for commands run on a smaller install.
EXTRAS = {
    "openpyxl": "sheets",
    "python_calamine": "sheets",
    "xlsxwriter": "sheets",
    "sqlalchemy": "store",
    "alembic": "store",
    "psycopg": "postgres",
    "slack_bolt": "slack",
    "slack_sdk": "slack",
    "starlette": "slack",
    "uvicorn": "slack",
    "oxedi": "denials",
    "matplotlib": "denials",
    "pyspark": "spark",
    "pyarrow": "spark",
}


def main() -> None:
    try:
        app()
    except ModuleNotFoundError as e:
        extra = EXTRAS.get((e.name or "").split(".")[0])
        if extra is None:
            raise
        _error(f"this command needs the {extra} extra: pip install '.[{extra}]' (or [all]) in the toolkit's folder")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()


def __getattr__(name: str) -> object:  # the names this module re-exported before the core was imported lazily
    if name == "claim_text":
        from derm_core.render import claim_text

        return claim_text
    if name == "describe_code":
        from derm_core.lookup import describe_code

        return describe_code
    raise AttributeError(name)


__all__ = ["app", "main"]
