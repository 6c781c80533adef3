"""The job ``spark-submit`` runs: the same checks as ``derm check --spark`` and ``derm denials analyze --spark``, with
the master, the executors and their memory set by ``spark-submit`` (docs/deploy.md).

    spark-submit --master spark://HOST:7077 "$(python -c 'import derm_core.spark.job as j; print(j.__file__)')" \\
        check claims.parquet findings.parquet
    spark-submit ... job.py denials OUTPUT_FOLDER remittances/ [--checked report.json --checked claims.json]
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] not in ("check", "denials"):
        print("usage: job.py check INPUT OUTPUT | job.py denials OUTPUT_FOLDER PATHS... [--checked FILE]...", file=sys.stderr)
        return 2
    from derm_core import service
    from derm_core.spark.check import check_dataframe, read_lines, session

    spark = session(None, f"derm {argv[0]}")
    try:
        if argv[0] == "check":
            ruleset = service.ruleset()
            check_dataframe(read_lines(spark, argv[1]), ruleset).write.parquet(argv[2])
            print(f"findings written to {argv[2]} (ruleset {ruleset.version})")
            return 0
        from pathlib import Path

        from derm_core.denials.matching import load_checked
        from derm_core.denials.workbook import write_report
        from derm_core.spark.denials import analyze_remittances, write_tables

        paths, given = [], []
        rest = iter(argv[2:])
        for arg in rest:
            if arg == "--checked":
                given.append(next(rest, ""))
            else:
                paths.append(arg)
        checked, bad = load_checked(given) if given else (None, [])
        analysis = analyze_remittances(spark, paths, checked=checked)
        write_tables(spark, analysis, argv[1])
        write_report(analysis, Path(argv[1]) / "report.xlsx")
        print(f"{analysis.read.claims_analysed} claims analysed; tables and report.xlsx in {argv[1]}")
        for warning in analysis.matching.warnings if analysis.matching else []:
            print(f"warning: --checked: {warning}", file=sys.stderr)
        for problem in [*analysis.read.problems, *bad]:
            print(f"error: {problem}", file=sys.stderr)
        return 2 if analysis.read.problems or bad else 0
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
