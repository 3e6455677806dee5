"""Writes the published seal examples (docs/interfaces/seal-examples): a joint-test seal authority's
certificates, a sealed sample decision and a sample figures file with its detached seal.

Run by hand, once, when the examples must change (their certificates are valid ten years):

    .venv/bin/python -m tests.support.seal_examples docs/interfaces/seal-examples

The private keys stay in a temporary directory and are thrown away: the examples can be checked, never
extended. tests/core/test_seal_conformance.py checks the committed bytes with implementations the
service does not use.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime
from pathlib import Path

from anju.core import seal
from anju.core.pdf import ChineseDocument

OFFICE = {"office_code": "350100", "office": "福州市住房保障部门"}
FIGURES = "指标,数值\n申请受理量,12\n平均办理时长（工作日）,6.5\n".encode()


def sample_decision() -> bytes:
    doc = ChineseDocument(
        title="受理通知书（样例）", author=OFFICE["office"], created=datetime(2026, 12, 6, 10, 0)
    )
    doc.line(OFFICE["office"], size=14, height=9, align="C")
    doc.line("受理通知书（样例）", size=18, height=11, align="C", role="H1")
    doc.line("编号：FJ-GZF-EXAMPLE-01", size=10, height=6, align="C")
    doc.line("这是用于对接核验的样例文书，不是真实办件。")
    return doc.finish()


def write_examples(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as keys:
        material = seal.seal_material(Path(keys), **OFFICE)
        for name in ("seal-sm2-ca.pem", "seal-sm2-maker.pem", "seal-sm2-350100.pem"):
            (out / name).write_bytes((Path(keys) / name).read_bytes())
        (out / "seal-sm2-350100.ses").write_bytes((Path(keys) / "seal-sm2-350100.ses").read_bytes())
    (out / "decision.pdf").write_bytes(seal.seal_pdf(sample_decision(), seal=material, reason="受理通知书"))
    (out / "figures.csv").write_bytes(FIGURES)
    (out / "figures.csv.ses").write_bytes(seal.seal_detached(FIGURES, seal=material, description="figures"))


if __name__ == "__main__":
    write_examples(Path(sys.argv[1]))
