"""Overrides from Slack: the **Override** button under a finding opens a modal asking why; the override is
stored (who, when, why, rule, and a reference to the claim: its id and line, never its text) and the reply
confirms. Re-checks of a claim that names its id show its overridden findings as such.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from derm_core import live
from derm_core.admin import Rejected
from derm_core.engine import all_rules
from derm_core.models import Claim
from derm_core.textclaim import is_claim_id

from . import blocks
from .admin import author_of
from .clients import describe
from .phi import identifiers

log = logging.getLogger("slack_bot.overrides")


def claim_reference(claim: Claim) -> tuple[str, bool]:
    """The claim's id when it has one, else ``text:`` and a digest of the parsed claim (the same pasted claim
    gives the same reference; the text cannot be read back from it). The bool says it is a real id.

    >>> claim_reference(Claim(claim_id="A1001", lines=[{"code": "17000"}]))
    ('A1001', True)
    >>> claim_reference(Claim(lines=[{"code": "17000"}]))[0].startswith("text:")
    True
    """
    if claim.claim_id:
        return claim.claim_id, True
    digest = hashlib.sha256(claim.model_dump_json(exclude={"claim_id"}).encode()).hexdigest()[:16]
    return f"text:{digest}", False


@dataclass(frozen=True)
class Target:
    """What an Override button points at (parsed from its value; nothing in it is trusted beyond its shape)."""

    rule: str
    claim_ref: str
    line: int | None
    named: bool
    ruleset_version: str | None

    @classmethod
    def parse(cls, value: str) -> Target | None:
        try:
            d = json.loads(value)
            rule, ref, line = str(d["r"]).upper(), str(d["c"]), d.get("l")
            version = d.get("v")
        except (ValueError, KeyError, TypeError):
            return None
        if rule not in all_rules() or not ref or len(ref) > 60 or not (line is None or (isinstance(line, int) and 0 <= line < 1000)):
            return None
        return cls(rule, ref, line, bool(d.get("n")), str(version)[:40] if version is not None else None)

    def metadata(self, response_url: str | None) -> str:
        return json.dumps(
            {"r": self.rule, "c": self.claim_ref, "l": self.line, "n": int(self.named), "v": self.ruleset_version, "u": response_url or ""},
            separators=(",", ":"),
        )


def modal_for(value: str, response_url: str | None) -> dict[str, Any] | None:
    """The modal for an Override button's value, or None when the value is not one of ours."""
    target = Target.parse(value)
    if target is None:
        return None
    rule = all_rules()[target.rule]
    return blocks.override_modal(
        target.metadata(response_url), target.rule, rule.title, target.claim_ref, target.line, ask_claim_id=not target.named
    )


@dataclass
class Submitted:
    errors: dict[str, str] | None = None  # block_id -> message, shown in the modal
    messages: list[blocks.Message] | None = None  # the confirmation
    response_url: str | None = None
    duplicate: bool = False  # the same submission was stored before (a replay): nothing was stored now


def submitted(user: str | None, view: dict[str, Any], first_time: Callable[[], bool] = lambda: True) -> Submitted:
    """Validate and store an override from the submitted modal. ``first_time`` says whether this submission is new
    (asked only once it is valid, just before storing); a replay stores nothing. Nothing that looks like it holds
    patient identifiers is stored: the reason and the claim id are screened by the same detector as claims."""
    try:
        meta = json.loads(view.get("private_metadata") or "")
        target = Target.parse(json.dumps(meta))
    except ValueError:
        target, meta = None, {}
    if target is None or not user:
        return Submitted(errors={"reason": "This override form is not valid any more; press Override again."})
    values = view.get("state", {}).get("values", {})
    reason = ((values.get("reason") or {}).get("text") or {}).get("value") or ""
    claim_id = (((values.get("claim") or {}).get("text") or {}).get("value") or "").strip()
    reason = reason.strip()
    errors = {}
    if len(reason) < 3:
        errors["reason"] = "Give a reason of at least 3 characters."
    elif len(reason) > blocks.OVERRIDE_REASON_MAX:
        errors["reason"] = f"At most {blocks.OVERRIDE_REASON_MAX} characters."
    elif identifiers(reason):
        errors["reason"] = "This looks like it holds patient identifiers; give the reason without them (codes only)."
    if claim_id and not target.named and (not is_claim_id(claim_id) or identifiers(claim_id)):
        errors["claim"] = "A claim ID: letters, digits and . _ / - with at least one digit (no patient details)."
    if errors:
        return Submitted(errors=errors)
    ref = claim_id if claim_id and not target.named else target.claim_ref
    if not first_time():
        log.info("override submission replayed: not stored again")
        return Submitted(duplicate=True)
    try:
        live.rules_store().add_override(
            user=author_of(user), reason=reason, rule=target.rule, claim_ref=ref, line=target.line, ruleset_version=target.ruleset_version
        )
    except Rejected as e:
        return Submitted(errors={"reason": "; ".join(p.why for p in e.problems)[:300]})
    except Exception as e:
        log.error("override not stored: %s", describe(e))
        return Submitted(
            errors={"reason": "The override could not be stored right now (the rules store is unavailable). Try again in a minute."}
        )
    log.info("override recorded for %s", target.rule)
    return Submitted(
        messages=blocks.override_recorded(target.rule, ref, target.line, author_of(user), reason),
        response_url=str(meta.get("u") or "") or None,
    )
