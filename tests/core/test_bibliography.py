"""References a biller can follow: every key a rule, an FAQ entry or the code tables cite resolves in the one
bibliography; `derm ref KEY` prints an entry; rule docs, answers and Slack show titles and links; an FAQ upload
with an unknown key is refused."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml
from typer.testing import CliRunner

from derm_cli.main import app
from derm_core import bibliography, codes
from derm_core.admin import Rejected, default_raw, validate_candidate
from derm_core.engine import all_rules
from derm_core.render import rule_doc
from derm_core.ruleset import default_ruleset

runner = CliRunner()


def cited_everywhere() -> dict[str, set[str]]:
    """Every reference cited, with who cites it."""
    out: dict[str, set[str]] = {}

    def add(refs, who):
        for r in refs:
            out.setdefault(r, set()).add(who)

    for rid, r in all_rules().items():
        add(r.references, rid)
    for e in default_ruleset().faq:
        add(e.references, f"faq:{e.id}")
    for c, info in codes.all_codes().items():
        add(info.source, f"code {c}")
    for m, info in codes.modifiers().items():
        add(info.source, f"modifier {m}")
    raw = yaml.safe_load(resources.files("derm_core.data").joinpath("codes.yaml").read_text(encoding="utf-8"))
    for c, d in raw["deleted"].items():
        add([d["source"]] if d.get("source") else [], f"deleted {c}")
    for g in raw["exclusive"]:
        add(g.get("source", ()), "exclusive group")
    return out


def test_every_key_cited_by_a_rule_faq_entry_or_code_table_resolves():
    cited = cited_everywhere()
    keys = [r for r in cited if bibliography.is_key(r)]
    assert len(keys) > 100  # the rules, the FAQ and the code tables do cite keys
    missing = {r: sorted(cited[r]) for r in bibliography.unresolved(cited)}
    assert missing == {}


def test_the_bibliography_entries_are_whole_and_their_see_keys_resolve():
    for key, source in bibliography.sources().items():
        assert source.title.strip() and bibliography.is_key(key), key
        assert source.url is None or source.url.startswith(("https://", "http://")), key
        assert all(bibliography.resolve(k) for k in source.see), key
    assert codes.sources()["CPT2026"]["url"].startswith("https://"), "the code tables read the same bibliography"


def test_derm_ref_prints_title_url_and_what_cites_it():
    result = runner.invoke(app, ["ref", "KZA"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:2] == [
        "KZA: Kzanow coding coach, AK question (2024)",
        "  https://www.kzanow.com/coding-coaches/coding-question-on-a-diagnosis",
    ]
    assert "DRM111" in result.stdout
    note = runner.invoke(app, ["ref", "des-01"])
    assert note.exit_code == 0 and "based on AAPC2007: AAPC General Surgery Coding Alert" in note.stdout
    unknown = runner.invoke(app, ["ref", "MCW"])
    assert unknown.exit_code == 2 and "did you mean MCW17003" in unknown.stderr


def test_rule_docs_show_each_reference_with_its_title_and_url():
    doc = rule_doc(all_rules()["DRM111"])
    refs = doc[doc.index("References:") :]
    assert "KZA: Kzanow coding coach, AK question (2024) (https://www.kzanow.com/" in refs
    other = rule_doc(all_rules()["DRM112"])
    assert "MCW17003: codingmcw 17003 reference page (secondary) (https://" in other


def test_derm_ask_shows_references_with_their_titles():
    result = runner.invoke(app, ["ask", "can I bill 17000 and 17003 x14 for 15 AKs"])
    assert result.exit_code == 0
    line = " ".join(result.stdout.split())
    assert "References:" in line and "AAPC General Surgery Coding Alert" in line


def test_slack_references_link_to_the_source_and_stay_inert():
    pytest.importorskip("slack_sdk")  # the core is also tested installed alone, without the Slack extra
    from slack_bot.blocks.base import references

    text = references(["AAPC2007", "CPT destruction guidelines", "<!channel>"])
    assert text.startswith("<https://aapc.com/codes/coding-newsletters/my-general-surgery-coding-alert/")
    assert "|AAPC2007: AAPC General Surgery Coding Alert" in text
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text


def test_an_faq_upload_with_an_unknown_reference_key_is_refused_by_row():
    raw = default_raw()
    raw["faq"][2]["references"] = ["AAPC2007", "NOSUCHKEY99", "faq:no-such-entry", "CPT destruction guidelines"]
    try:
        validate_candidate(raw, run_cases=False)
    except Rejected as e:
        problems = [str(p) for p in e.problems]
    else:
        raise AssertionError("refused")
    assert problems == [
        "FAQ, row 4, column References: no source 'NOSUCHKEY99' in the bibliography (`derm ref` looks one up); "
        "write the source out in words, or use a known key",
        "FAQ, row 4, column References: no FAQ entry 'no-such-entry' (the ID column of this sheet lists them)",
    ]
