"""The compact ICD-10-CM index: the same answers as simple-icd-10-cm, rebuilt when the installed release differs,
usable where nothing can be written."""

import json

import pytest

from derm_core import icd


@pytest.fixture(scope="module")
def cm():
    import simple_icd_10_cm

    return simple_icd_10_cm


def test_the_shipped_index_matches_the_installed_code_set(cm):
    shipped = json.loads(icd._SHIPPED.read_text(encoding="utf-8"))
    assert shipped["source"] == icd.source_release()  # rebuild with `python -m derm_core.icd` after an upgrade
    assert shipped == icd.build_index()


def test_every_code_and_its_variants_get_the_answer_simple_icd_10_cm_gives(cm):
    def reference(code):
        if not icd.looks_like_icd(code):
            return "unknown"
        if not cm.is_category_or_subcategory(code) and not cm.is_extended_subcategory(code):
            return "unknown"
        return "billable" if cm.is_leaf(code) else "header"

    codes = [c for c in cm.get_all_codes(with_dots=True) if "-" not in c][::7]
    wrong = [v for c in codes for v in (c, c.replace(".", ""), c[:-1], c + "9", c.lower()) if icd.status(v) != reference(v)]
    assert wrong == []
    headers = [c for c in codes if icd.status(c) == "header"]
    assert headers and all(sorted(icd.children(c)) == sorted(cm.get_children(c)) for c in headers)


def test_a_stale_index_is_rebuilt_into_the_cache_once(tmp_path, monkeypatch):
    stale = tmp_path / "shipped.json"
    stale.write_text(json.dumps({"format": 2, "source": "0.0.1", "billable": {}, "headers": {}}), encoding="utf-8")
    cache = tmp_path / "cache" / icd.INDEX_NAME
    data = icd.load_index(stale, cache)
    assert data["source"] == icd.source_release() and "0" in data["billable"]["L57"].split(" ")
    assert json.loads(cache.read_text(encoding="utf-8"))["source"] == icd.source_release()

    def no_build():
        raise AssertionError("rebuilt although the cache is current")

    monkeypatch.setattr(icd, "build_index", no_build)
    assert icd.load_index(stale, cache)["billable"] == data["billable"]  # read from the cache this time


def test_without_a_writable_cache_the_index_lives_in_memory(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    data = icd.load_index(tmp_path / "missing.json", blocker / "sub" / icd.INDEX_NAME)  # no shipped file, no cache
    assert data["source"] == icd.source_release() and "319" in data["billable"]["C44"].split(" ")
    assert blocker.read_text() == "x"
