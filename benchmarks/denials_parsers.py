"""Compare the 835 parsers we considered, on synthetic remittances: correctness and speed.

    python benchmarks/denials_parsers.py [--claims 20000] [--pyx12-claims 2000]

- oxedi (MIT, Rust): our reader, derm_core.denials.x12 (oxedi parses and checks; we walk its segments);
- pyx12 (BSD, pure Python), when installed (`pip install pyx12`): its loop-aware X12ContextReader.

Correctness: every field the analysis needs, compared with what the generator wrote (claims, status,
amounts, payer, rendering NPI, codes, modifiers, units, dates, adjustments, remarks), on a valid file; then
whether a malformed segment and a truncated file are reported with their segment, other delimiters are
read, and a non-standard patient segment (DMG) is tolerated without its content reaching a message or a log.
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
import time
from datetime import date, timedelta

from derm_core.denials.synthetic import Remit, SynthClaim, SynthLine, SynthPatient, random_remits, write_835
from derm_core.denials.x12 import read_835

Fingerprint = tuple


def _money(x: float | str | None) -> float:
    return round(float(x or 0), 2)


def truth(remits: list[Remit]) -> list[Fingerprint]:
    out = []
    for r in remits:
        for c in r.claims:
            lines = tuple(
                (
                    ln.code,
                    tuple(ln.modifiers),
                    _money(ln.billed),
                    _money(ln.paid),
                    float(ln.units),
                    (ln.dos or c.dos or r.paid_on - timedelta(days=20)).isoformat(),  # as the generator writes it
                    tuple(sorted((g, rsn, _money(a)) for g, rsn, a in ln.adjustments)),
                    tuple(ln.remarks),
                )
                for ln in c.lines
            )
            out.append(
                (
                    c.claim_id,
                    c.status,
                    _money(sum(ln.billed for ln in c.lines)),
                    _money(sum(ln.paid for ln in c.lines)),
                    r.payer,
                    c.provider_npi,
                    tuple(sorted((g, rsn, _money(a)) for g, rsn, a in c.adjustments)),
                    tuple(c.remarks),
                    lines,
                )
            )
    return out


def fingerprint_ours(data: bytes) -> tuple[list[Fingerprint], list[str]]:
    r = read_835(data, "bench.835")
    fps = []
    for c in r.claims:
        npi = c.provider.rsplit("(", 1)[-1].rstrip(")") if c.provider else None
        lines = tuple(
            (
                ln.code,
                ln.modifiers,
                _money(ln.billed),
                _money(ln.paid),
                ln.units,
                ln.dos.isoformat() if ln.dos else None,
                tuple(sorted((a.group, a.reason, _money(a.amount)) for a in ln.adjustments)),
                tuple(ln.remarks),
            )
            for ln in c.lines
        )
        fps.append(
            (
                c.claim_id,
                c.status,
                _money(c.billed),
                _money(c.paid),
                c.payer,
                npi,
                tuple(sorted((a.group, a.reason, _money(a.amount)) for a in c.adjustments)),
                tuple(c.remarks),
                lines,
            )
        )
    return fps, [str(p) for p in r.problems]


def fingerprint_pyx12(text: str) -> tuple[list[Fingerprint], list[str]]:
    import pyx12.errh_json
    import pyx12.error_handler
    import pyx12.params
    import pyx12.x12context

    errh = pyx12.error_handler.err_handler()
    src = pyx12.x12context.X12ContextReader(pyx12.params.params(), errh, io.StringIO(text))
    fps = []
    payer = ""

    def cas(nodes) -> tuple:
        out = []
        for n in nodes:
            if n.seg_data.get_seg_id() != "CAS":
                continue
            for k in range(2, 20, 3):
                reason = n.get_value(f"CAS{k:02d}")
                if reason:
                    try:
                        amount = _money(n.get_value(f"CAS{k + 1:02d}"))
                    except ValueError:
                        amount = float("nan")
                    out.append((n.get_value("CAS01"), reason, amount))
        return tuple(sorted(out))

    try:
        for node in src.iter_segments("2100"):
            if node.id != "2100":
                sd = node.seg_data
                if sd is not None and sd.get_seg_id() == "N1" and sd.get_value("N101") == "PR":
                    payer = sd.get_value("N102")
                continue
            npi = next(
                (nm.get_value("NM109") for nm in node.select("NM1") if nm.seg_data.get_seg_id() == "NM1" and nm.get_value("NM101") == "82"),
                None,
            )
            moa = tuple(
                v
                for m in node.select("MOA")
                if m.seg_data.get_seg_id() == "MOA"
                for v in (m.get_value(f"MOA{k:02d}") for k in range(3, 8))
                if v
            )
            lines = []
            for svc in node.select("2110"):
                mods = tuple(v for v in (svc.get_value(f"SVC01-{k}") for k in range(3, 7)) if v)
                dtm = next((d.get_value("DTM02") for d in svc.select("DTM") if d.seg_data.get_seg_id() == "DTM"), None)
                dos = f"{dtm[:4]}-{dtm[4:6]}-{dtm[6:]}" if dtm else None
                lines.append(
                    (
                        svc.get_value("SVC01-2"),
                        mods,
                        _money(svc.get_value("SVC02")),
                        _money(svc.get_value("SVC03")),
                        float(svc.get_value("SVC05") or 1),
                        dos,
                        cas(svc.select("CAS")),
                        tuple(q.get_value("LQ02") for q in svc.select("LQ") if q.seg_data.get_seg_id() == "LQ"),
                    )
                )
            fps.append(
                (
                    node.get_value("CLP01"),
                    node.get_value("CLP02"),
                    _money(node.get_value("CLP03")),
                    _money(node.get_value("CLP04")),
                    payer,
                    npi,
                    cas(node.select("CAS")),
                    moa,
                    tuple(lines),
                )
            )
    except Exception as e:  # pyx12 raises on some malformed input
        return fps, [f"raised {type(e).__name__} after {len(fps)} claims"]
    buf = io.StringIO()
    errh.accept(pyx12.errh_json.errh_json_visitor(buf))
    import json

    problems = []

    def walk(o):
        if isinstance(o, dict):
            for e in o.get("errors", []):
                problems.append(f"line {o.get('cur_line')}, {o.get('seg_id', '')}: {e.get('err_str')}")
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)

    walk(json.loads(buf.getvalue() or "{}"))
    return fps, problems


def feature_remits() -> list[Remit]:
    """Every feature the reader must get right, in a few claims (no DMG: that is a separate case)."""
    d = date(2026, 3, 2)
    claims = [
        SynthClaim(
            "F1",
            lines=[
                SynthLine("11102", 120, 0, ("59", "XS"), dos=d, adjustments=[("CO", "97", 100), ("CO", "16", 20)], remarks=["N362", "MA01"])
            ],
            remarks=["MA130"],
            adjustments=[("OA", "23", 5)],
            dos=d,
        ),
        SynthClaim(
            "F2",
            lines=[
                SynthLine("17000", 100, 80, dos=d, adjustments=[("CO", "45", 20)]),
                SynthLine("17003", 40, 0, units=4, dos=d, adjustments=[("CO", "151", 30), ("CO", "4", 10)]),
            ],
            dos=d,
        ),
        SynthClaim("F3", status="22", lines=[SynthLine("17311", -700, -500, dos=d, adjustments=[("CO", "45", -200)])], dos=d),
        SynthClaim(
            "F4",
            lines=[
                SynthLine(
                    "88305",
                    75,
                    0,
                    ("26", "59", "XU", "GA"),
                    dos=d,
                    adjustments=[
                        (g, r, 10)
                        for g, r in (("CO", "97"), ("CO", "4"), ("CO", "16"), ("CO", "236"), ("CO", "50"), ("CO", "11"), ("CO", "18"))
                    ]
                    + [("PR", "204", 5)],
                )
            ],
            dos=d,
        ),
    ]
    return [Remit("FEATURE PLAN", d, claims), *random_remits(200, seed=3)]


def _with_dmg(text: str) -> bool:
    return "DMG*" in text


def _leaks(fp, text: str) -> tuple[list[Fingerprint], list[str]]:
    """Read ``text`` capturing every log record and stderr; which planted patient values appear in them or the problems."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append  # type: ignore[method-assign]
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    err = io.StringIO()
    old, sys.stderr = sys.stderr, err
    try:
        got, problems = fp(text.encode())
    finally:
        sys.stderr = old
        root.removeHandler(handler)
    seen = " ".join([*problems, err.getvalue(), *(r.getMessage() for r in records)])
    return got, [v for v in ("1931071", "ZEBULONSKI", "XQ99887766") if v in seen]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--claims", type=int, default=20000)
    ap.add_argument("--pyx12-claims", type=int, default=2000)
    args = ap.parse_args()
    try:
        import pyx12  # noqa: F401

        parsers = {"oxedi": None, "pyx12": None}
    except ImportError:
        parsers = {"oxedi": None}
        print("pyx12 is not installed: only oxedi is measured")

    remits = feature_remits()
    no_dmg = write_835(remits, dmg=False)
    expected = truth(remits)
    cases = {
        "valid file: every field right": no_dmg,
        "pipe/caret delimiters, no line breaks": no_dmg.replace("*", "|").replace(":", "^").replace("~\n", "~"),
    }
    bad_cas = no_dmg.replace("CAS*CO*151*30*", "CAS*CO*151*3O*")
    truncated = no_dmg[: no_dmg.index("CLP*F3") + 30]
    patient = SynthPatient("ZEBULONSKI", "QUENTIN", "XQ99887766", date(1931, 7, 19))
    dmg_text = write_835(
        [
            Remit(
                "ACME",
                date(2026, 3, 6),
                [SynthClaim("D1", lines=[SynthLine("17000", 100, 0, adjustments=[("CO", "50", 100)])], patient=patient)],
            )
        ]
    )
    dmg_text = dmg_text.replace("DMG*D8*19310719", "DMG*D8*1931071X")  # a malformed, non-standard patient segment
    long_id_text = write_835(
        [
            Remit(
                "ACME",
                date(2026, 3, 6),
                [
                    SynthClaim(
                        "D2",
                        lines=[SynthLine("17000", 100, 0, adjustments=[("CO", "50", 100)])],
                        patient=SynthPatient("ZEBULONSKI", "QUENTIN", "XQ99887766" * 9),
                    )
                ],
            )
        ],
        dmg=False,
    )

    for name in parsers:
        fp = fingerprint_ours if name == "oxedi" else (lambda b: fingerprint_pyx12(b.decode()))
        print(f"\n## {name}")
        for label, case in cases.items():
            got, problems = fp(case.encode())
            print(f"- {label}: {'yes' if got == expected else 'NO'} ({len(got)} claims, {len(problems)} problems)")
        for label, case, needle in (
            ("malformed CAS amount reported with its segment", bad_cas, "CAS"),
            ("truncated file reported", truncated, ""),
        ):
            got, problems = fp(case.encode())
            print(f"- {label}: {'yes' if any(needle in p for p in problems) else 'NO'}: {problems[:2]}; {len(got)} claims kept")
        for label, case in (("non-standard, malformed DMG segment", dmg_text), ("patient member id too long (NM109)", long_id_text)):
            got, leaked = _leaks(fp, case)
            print(f"- {label}: claims read {len(got)}; patient data in messages, stderr or logs: {leaked or 'none'}")

    big = write_835(random_remits(args.claims, seed=11), dmg=False).encode()
    t0 = time.perf_counter()
    got, _ = fingerprint_ours(big)
    dt = time.perf_counter() - t0
    print(f"\noxedi: {args.claims} claims ({len(big) / 1e6:.1f} MB) in {dt:.2f} s = {args.claims / dt:,.0f} claims/s")
    if "pyx12" in parsers:
        small = write_835(random_remits(args.pyx12_claims, seed=11), dmg=False)
        t0 = time.perf_counter()
        fingerprint_pyx12(small)
        dt = time.perf_counter() - t0
        print(f"pyx12: {args.pyx12_claims} claims in {dt:.2f} s = {args.pyx12_claims / dt:,.0f} claims/s")


if __name__ == "__main__":
    main()
