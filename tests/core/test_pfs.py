"""The CMS fee-schedule file, loaded: its indicators win for their year, and a code our table lacks becomes checkable."""

from derm_core.engine import check_claim
from derm_core.models import Claim
from derm_core.pfs import PfsTables, read_csv, with_pfs
from derm_core.ruleset import default_ruleset

# The file's shape (title lines, a header split over two rows, modifier rows); the values are the test's own.
PPRRVU = b"""CMS Physician Fee Schedule, relative value file (test copy)
CPT codes and descriptions only are copyright American Medical Association.

HCPCS,MOD,DESCRIPTION,STATUS,WORK,PCTC,GLOB,MULT,BILAT,ASST
,,,CODE,RVU,IND,DAYS,PROC,SURG,SURG
30520,,septoplasty (test),A,7.0,0,090,2,0,1
17250,,chemical cautery (test),A,0.5,0,010,2,0,1
88305,,,A,0.7,1,XXX,9,9,9
88305,26,,A,0.7,6,XXX,9,9,9
99358,,,I,2.1,0,XXX,9,9,9
"""


def _claim(*lines, dos="2026-03-02"):
    return Claim.model_validate(
        {"payer": {"type": "medicare"}, "date_of_service": dos, "diagnoses": ["J34.2", "L40.0"], "lines": list(lines)}
    )


def _tables():
    rows = [r for _, r, why in read_csv(PPRRVU, 2026) if r is not None]
    return PfsTables(rows)


def test_the_file_is_read_past_its_title_lines_and_split_header():
    rows = [r for _, r, _ in read_csv(PPRRVU, 2026)]
    assert [(r.code, r.global_days, r.bilateral) for r in rows] == [
        ("30520", "090", 0),
        ("17250", "010", 0),
        ("88305", "XXX", None),
        ("99358", "XXX", None),
    ]


def test_a_code_our_table_lacks_is_checked_for_its_global_period_once_the_file_is_loaded():
    claim = _claim({"code": "30520", "dx": ["J34.2"]}, {"code": "99213", "dx": ["L40.0"], "date_of_service": "2026-03-20"})
    without = check_claim(claim, default_ruleset())
    assert {f.rule for f in without.findings} >= {"DRM011"} and "DRM811" not in {f.rule for f in without.findings}
    loaded = check_claim(claim, with_pfs(default_ruleset(), _tables()))
    rules = {f.rule for f in loaded.findings}
    assert "DRM811" in rules and "DRM011" not in rules
    assert any("fee-schedule indicators" in u.reason for u in loaded.unchecked)


def test_the_loaded_year_wins_over_the_tables_default_and_only_for_its_year():
    ruleset = with_pfs(default_ruleset(), _tables())  # 17250 is a 000-day code in our table; the test file says 010
    later = {"code": "99213", "dx": ["L40.0"], "date_of_service": "2026-03-06"}
    assert "DRM811" in {f.rule for f in check_claim(_claim({"code": "17250", "dx": ["L40.0"]}, later), ruleset).findings}
    earlier = {**later, "date_of_service": "2025-03-06"}
    assert "DRM811" not in {
        f.rule for f in check_claim(_claim({"code": "17250", "dx": ["L40.0"]}, earlier, dos="2025-03-02"), ruleset).findings
    }


def test_a_code_medicare_does_not_pay_in_the_file_is_flagged():
    report = check_claim(_claim({"code": "99358", "dx": ["L40.0"]}), with_pfs(default_ruleset(), _tables()))
    assert "DRM012" in {f.rule for f in report.findings}
