"""LibreOffice opens the produced workbook headless and prints it to PDF; the status column reads as expected.

In CI (CI=true) LibreOffice is installed by .ci/run and this test must run; elsewhere it is skipped when
``soffice`` is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sheetkit import load_spec

from charge_sheets import check_sheet

pytestmark = pytest.mark.slow

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
if (not SOFFICE or not shutil.which("pdftotext")) and os.environ.get("CI") != "true":
    pytest.skip("LibreOffice (soffice) and pdftotext are not installed here", allow_module_level=True)


def to_pdf(xlsx: Path) -> Path:
    assert SOFFICE, "CI needs LibreOffice: .ci/run installs libreoffice-calc-nogui"
    profile = xlsx.parent / "lo-profile"
    done = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(xlsx.parent),
            str(xlsx),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    pdf = xlsx.with_suffix(".pdf")
    assert done.returncode == 0 and pdf.exists(), done.stderr + done.stdout
    return pdf


def pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")


def status_column(page: str) -> list[str]:
    """The words printed under the Check Status header of one page, top to bottom."""
    lines = page.splitlines()
    head = next((i for i, line in enumerate(lines) if "Check Status" in line), None)
    if head is None:
        return []
    at = lines[head].index("Check Status")
    found = []
    for line in lines[head + 1 :]:
        if line.lstrip().startswith("Check Status:"):
            break  # the page footer (the colours' legend), not a row
        m = re.match(r"\s*(clean|warning|error)\b", line[at - 2 : at + 14]) if len(line) > at else None
        if m:
            found.append(m.group(1))
    return found


@pytest.mark.parametrize("path", ["full", "fast"])
def test_libreoffice_prints_the_status_column(messy, tmp_path, path):
    out = tmp_path / f"checked-{path}.xlsx"
    check_sheet(messy, out, mode=path)
    printed = pages(to_pdf(out))
    spec = load_spec("messy.yaml")["expect"]
    hidden = {12} if path == "full" else set()  # hidden rows are not printed (the fast path does not keep them hidden)
    for sheet in ("March", "April"):
        want = [
            v.split()[0] for r, v in sorted((int(r), v) for r, v in spec[sheet]["rows"].items()) if not (sheet == "March" and r in hidden)
        ]
        sheet_pages = [p for p in printed if p.lstrip().startswith(sheet)]  # the page header names the sheet
        got = [s for p in sheet_pages for s in status_column(p)]
        assert got == want, sheet
    summary = printed[0]
    assert "Charge sheet check" in summary and "Claims to fix" in summary
    faq = "\n".join(p for p in printed if p.lstrip().startswith("FAQ"))
    if path == "full":  # formulas without cached values: LibreOffice calculates the lookup itself
        assert "Destroying multiple actinic keratoses" in faq.split("Entry ")[0]
