"""Reading X12 835 remittance files with oxedi (see docs/denials.md for why oxedi).

oxedi splits the file by the delimiters its ISA header declares and checks every segment against the 5010
guide; its findings name the segment. We walk its segments once and keep what the analysis needs: payer,
payment date, claims with their status, amounts, rendering provider and claim-level adjustments and remarks,
and service lines with code, modifiers, units, date, amounts, adjustments and remarks.

Patient segments (NM1 other than the rendering provider's NM1*82, DMG) are skipped without being decoded, so
patient names, member ids and birth dates never reach a claim, a message or a log. Messages never quote a value from the file.

A claim with a malformed segment is skipped, with the file, the segment number (ISA = 1) and its id named;
the other claims are read. A truncated file keeps the claims that were complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from .model import Adjustment, ReadProblem, ReadResult, RemitClaim, RemitLine

# oxedi findings that make the data of a segment we read unusable; others (an unexpected code value, a
# segment outside the guide, amounts that do not balance) are counted as notes and reading goes on.
_FATAL = frozenset({"TypeMismatch", "RequiredElementMissing"})
_READ = frozenset({b"BPR", b"N1", b"CLP", b"CAS", b"SVC", b"DTM", b"AMT", b"LQ", b"MOA", b"MIA", b"REF"})
_KIND_TEXT = {"TypeMismatch": "has a value of the wrong type", "RequiredElementMissing": "misses a required value"}


class SegmentError(ValueError):
    """A value we need is missing or malformed; the message names the element, never its value."""


def _text(el: Sequence[str], pos: int) -> str:
    """Element ``pos`` (1-based, as in CLP01), or ``""``."""
    return el[pos - 1] if pos <= len(el) else ""


def _money(el: Sequence[str], pos: int, seg: str, required: bool = True) -> float:
    raw = _text(el, pos)
    if not raw:
        if required:
            raise SegmentError(f"{seg}{pos:02d} (an amount) is missing")
        return 0.0
    try:
        return float(raw)
    except ValueError:
        raise SegmentError(f"{seg}{pos:02d} is not an amount") from None


_DATES: dict[str, date] = {}


def _date(el: Sequence[str], pos: int, seg: str) -> date | None:
    raw = _text(el, pos)
    if not raw:
        return None
    d = _DATES.get(raw)
    if d is not None:
        return d
    if len(raw) != 8 or not raw.isdigit():
        raise SegmentError(f"{seg}{pos:02d} is not a CCYYMMDD date")
    try:
        d = date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        raise SegmentError(f"{seg}{pos:02d} is not a valid date") from None
    if len(_DATES) < 20000:  # remittances repeat a few hundred dates
        _DATES[raw] = d
    return d


def _adjustments(el: Sequence[str]) -> list[Adjustment]:
    group = _text(el, 1)
    if not group:
        raise SegmentError("CAS01 (the group code) is missing")
    out = []
    n = len(el)
    for k in range(1, min(n, 18), 3):  # up to six reason / amount / quantity triplets, from CAS02
        reason = el[k]
        if not reason:
            continue
        amount = el[k + 1] if k + 1 < n else ""
        qty = el[k + 2] if k + 2 < n else ""
        try:
            out.append(Adjustment(group, reason, float(amount), float(qty) if qty else None))
        except ValueError:
            raise SegmentError(f"CAS{k + 2:02d} or CAS{k + 3:02d} is not a number") from None
    if not out:
        raise SegmentError("CAS02 (the reason code) is missing")
    return out


class _Walker:
    """One pass over a file's segments; state is the open transaction, claim and line."""

    def __init__(self, source: str, component: str):
        self.source = source
        self.component = component
        self.out = ReadResult(files=1)
        self.payer = ""
        self.paid_on: date | None = None
        self.claim: RemitClaim | None = None
        self.line: RemitLine | None = None
        self.claim_bad = False
        self.header_bad = False
        self.in_tx = False

    def problem(self, index: int, seg_id: str, message: str) -> None:
        self.out.problems.append(ReadProblem(self.source, message, index + 1, seg_id))

    def close_claim(self) -> None:
        if self.claim is not None and not self.claim_bad and not self.header_bad:
            self.out.claims.append(self.claim)
        self.claim, self.line, self.claim_bad = None, None, False

    def fail(self, index: int, seg_id: str, message: str) -> None:
        """A segment we need is unusable: drop the claim it belongs to (or the transaction, in its header)."""
        if self.claim is not None:
            if not self.claim_bad:
                self.problem(index, seg_id, f"{message}; the claim that starts at segment {self.claim.segment} was skipped")
            self.claim_bad = True
        elif self.in_tx:
            if not self.header_bad:
                self.problem(index, seg_id, f"{message}; the claims of this payment were skipped")
            self.header_bad = True
        else:
            self.problem(index, seg_id, message)

    def open_claim(self, index: int) -> None:
        self.close_claim()
        self.claim = RemitClaim(
            source=self.source, claim_id="", status="", billed=0.0, paid=0.0, payer=self.payer, paid_on=self.paid_on, segment=index + 1
        )

    def segment(self, index: int, sid: bytes, el: Sequence[str]) -> None:
        if sid == b"CLP":
            c = self.claim
            assert c is not None  # opened by open_claim
            c.claim_id, c.status, c.payer_claim_id = _text(el, 1).strip(), _text(el, 2), _text(el, 7)
            if not c.claim_id or not c.status:
                raise SegmentError("CLP01 (claim number) or CLP02 (status) is missing")
            c.billed, c.paid = _money(el, 3, "CLP"), _money(el, 4, "CLP")
            c.patient_share = _money(el, 5, "CLP", required=False)
            return
        if sid == b"CAS":
            target = self.line or self.claim
            if target is None:
                raise SegmentError("CAS outside a claim")
            target.adjustments += _adjustments(el)
        elif sid == b"SVC":
            if self.claim is None:
                raise SegmentError("SVC outside a claim")
            billed_as = _text(el, 6).split(self.component)  # SVC06: the code as submitted, when the payer changed it
            paid_as = _text(el, 1).split(self.component)
            proc = billed_as if len(billed_as) > 1 else paid_as
            if len(proc) < 2 or not proc[1]:
                raise SegmentError("SVC01 (the procedure code) is missing")
            units = _text(el, 7) or _text(el, 5)
            try:
                n_units = float(units) if units else 1.0
            except ValueError:
                raise SegmentError("SVC05 is not a number of units") from None
            self.line = RemitLine(
                code=proc[1].strip().upper(),
                modifiers=tuple(m.strip().upper() for m in proc[2:6] if m.strip()),
                billed=_money(el, 2, "SVC"),
                paid=_money(el, 3, "SVC"),
                units=n_units,
                dos=self.claim.dos,
                paid_code=paid_as[1].upper() if proc is billed_as and len(paid_as) > 1 else None,
            )
            self.claim.lines.append(self.line)
        elif sid == b"DTM":
            qual = _text(el, 1)
            if qual in ("472", "150") and self.line is not None:
                self.line.dos = _date(el, 2, "DTM")
            elif qual == "232" and self.claim is not None and self.line is None:
                self.claim.dos = _date(el, 2, "DTM")
            elif qual == "405" and self.claim is None and self.paid_on is None:
                self.paid_on = _date(el, 2, "DTM")
        elif sid == b"NM1":
            if el and el[0] == "82" and self.claim is not None:
                last, first, npi = _text(el, 3).strip(), _text(el, 4).strip(), _text(el, 9).strip()
                name = f"{last}, {first}" if first else last
                self.claim.provider = f"{name} ({npi})" if npi else name
        elif sid == b"AMT":
            if self.line is not None and _text(el, 1) == "B6":
                self.line.allowed = _money(el, 2, "AMT")
        elif sid == b"LQ":
            if self.line is not None and _text(el, 1) == "HE" and _text(el, 2):
                self.line.remarks.append(_text(el, 2))
        elif sid == b"MOA":
            if self.claim is not None:
                self.claim.remarks += [c for c in (_text(el, p) for p in range(3, 8)) if c]
        elif sid == b"MIA":
            if self.claim is not None:
                self.claim.remarks += [c for c in (_text(el, p) for p in (5, 20, 21, 22, 23)) if c]
        elif sid == b"REF":
            qual = _text(el, 1)
            if qual == "G1" and self.claim is not None:
                self.claim.prior_auth = True
            elif qual == "HPI" and self.line is not None:
                self.line.provider = f"({_text(el, 2)})"
        elif sid == b"BPR":
            self.paid_on = _date(el, 16, "BPR")
        elif sid == b"N1":
            if _text(el, 1) == "PR":
                self.payer = _text(el, 2).strip()
        elif sid == b"ST":
            self.close_claim()
            self.in_tx, self.header_bad, self.payer, self.paid_on = True, False, "", None
        elif sid == b"SE":
            self.close_claim()
            self.in_tx = False


def read_835(data: bytes, source: str) -> ReadResult:
    """Claims from the bytes of one 835 file, with a problem for each unusable claim or segment.

    >>> from derm_core.denials.synthetic import Remit, SynthClaim, SynthLine, write_835
    >>> text = write_835([Remit("Acme", date(2026, 3, 6), [SynthClaim("C1", lines=[SynthLine("11102", 120, 0,
    ...     modifiers=("59",), adjustments=[("CO", "97", 120)])])])])
    >>> r = read_835(text.encode(), "a.835")
    >>> c = r.claims[0]
    >>> c.payer, c.lines[0].code, c.lines[0].modifiers, c.lines[0].adjustments[0].reason, r.problems
    ('Acme', '11102', ('59',), '97', [])
    """
    import oxedi

    try:
        parsed = oxedi.parse(data)
    except oxedi.ParseError:
        return ReadResult(problems=[ReadProblem(source, "not an X12 file: it does not start with a readable ISA header")], files=1)
    doc = parsed.document
    delim = doc.delimiters
    walker = _Walker(source, delim.component.decode("latin-1"))
    out = walker.out
    fatal: dict[int, tuple[str, int | None]] = {}
    truncated = False
    for d in parsed.diagnostics:
        if d.segment is None:
            truncated = truncated or d.kind == "UnterminatedLoop"
        elif d.kind in _FATAL:
            fatal.setdefault(d.segment, (d.kind, d.element))
            continue
        out.notes[d.kind] = out.notes.get(d.kind, 0) + 1
    # Splitting each segment's bytes here is twice as fast as asking oxedi for its elements one by one.
    element, terminator = delim.element.decode("latin-1"), delim.segment.decode("latin-1")
    last = (0, "")
    for i in range(len(doc)):
        seg = doc[i]
        sid = seg.id
        if not sid:
            continue
        last = (i, sid.decode("latin-1"))
        if sid not in _READ and sid not in (b"ST", b"SE"):
            if sid != b"NM1":
                continue
            if seg.elements[:1] != [b"82"]:  # only the rendering provider: patient and insured names are never decoded
                continue
        if delim.release is None:
            el = seg.raw.decode("latin-1").strip().removesuffix(terminator).rstrip().split(element)[1:]
        else:  # escaped delimiters: take oxedi's own split
            el = [
                walker.component.join(c.decode("latin-1") for c in e) if isinstance(e, list) else e.decode("latin-1") for e in seg.elements
            ]
        if sid == b"CLP":
            walker.open_claim(i)
        if i in fatal and sid in _READ:
            kind, pos = fatal[i]
            walker.fail(i, last[1], f"{last[1]}{pos:02d} {_KIND_TEXT[kind]}" if pos else f"the segment {_KIND_TEXT[kind]}")
            continue
        try:
            walker.segment(i, sid, el)
        except SegmentError as e:
            walker.fail(i, last[1], str(e))
    if truncated or walker.in_tx:
        open_claim = walker.claim
        walker.claim_bad = True  # an unfinished claim may be missing lines or adjustments
        walker.close_claim()
        skipped = f"; the unfinished claim from segment {open_claim.segment} was skipped" if open_claim is not None else ""
        walker.problem(last[0], last[1], f"the file ends here, before its closing segments (truncated){skipped}")
    else:
        walker.close_claim()
    return out
