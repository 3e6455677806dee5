"""The 办件成效 dashboard for staff: the platform's figures for the staff member's city (signed call),
as bars drawn here (inline SVG, no CDN), tables, and CSV — plain, or sealed by the city's office with a
detached SM2 seal (decision 0031) so that whoever receives the figures can check where they came from."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import httpx

from anju.core import seal
from anju.core.httpclient import PeerResponseError, SignedClient
from anju.core.timeutil import to_shanghai, utcnow
from anju.core.vocab import CHANNEL_LABELS, housing_office_name

COLUMNS = [
    ("month", "月份"),
    ("channel", "渠道"),
    ("submitted", "提交"),
    ("accepted", "受理"),
    ("decided", "作出决定"),
    ("closed", "办结"),
    ("accepted_days_median", "受理用时中位数（工作日）"),
    ("accepted_days_p90", "受理用时90分位（工作日）"),
    ("accepted_within_limit", "法定时限内受理"),
    ("decided_days_median", "决定用时中位数（工作日）"),
    ("closed_days_p90", "办结用时90分位（工作日）"),
    ("materials_exempted", "免提交材料（登记信息代替）"),
    ("files_collected", "收取材料"),
    ("paper_collected", "其中窗口收取纸质材料"),
    ("fields_backfilled", "自动填写字段"),
    ("fields_typed", "申请人填写字段"),
]


class DashboardUnavailable(Exception):
    """The platform could not be asked."""


def figures_fetch(*, client: SignedClient, city_code: str, user: str) -> dict[str, Any]:
    """The platform's figures for a city (raises DashboardUnavailable)."""
    try:
        response = client.request(
            method="GET",
            destination="platform",
            path=f"/v1/metrics?city_code={city_code}",
            user=user,
            purpose="办件成效统计",
        )
    except (httpx.HTTPError, PeerResponseError) as exc:
        raise DashboardUnavailable(city_code) from exc
    if response.status_code != 200:
        raise DashboardUnavailable(city_code)
    data: dict[str, Any] = response.json()
    for row in data.get("rows", []):  # what staff read: 自助终端, not kiosk
        row["channel"] = CHANNEL_LABELS.get(str(row.get("channel")), row.get("channel"))
    return data


CHART_MONTHS = 12  # the chart's last months; the table has every one


def bars(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bar geometry per month of the last CHART_MONTHS: submitted, accepted, decided, closed (heights
    scaled to the largest)."""
    by_month: dict[str, dict[str, int]] = {}
    shown = sorted({r["month"] for r in rows})[-CHART_MONTHS:]
    for r in (r for r in rows if r["month"] in shown):
        month = by_month.setdefault(r["month"], {"submitted": 0, "accepted": 0, "decided": 0, "closed": 0})
        for key in month:
            month[key] += int(r[key])
    top = max([v for m in by_month.values() for v in m.values()] or [1]) or 1
    return [
        {
            "month": month,
            "bars": [{"key": k, "value": v, "height": round(120 * v / top)} for k, v in values.items()],
        }
        for month, values in sorted(by_month.items())
    ]


def figures_csv(rows: list[dict[str, Any]]) -> str:
    """The table as CSV (UTF-8 with BOM so spreadsheet programs read the Chinese headers)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label for _, label in COLUMNS])
    for r in rows:
        writer.writerow(["" if r.get(key) is None else r.get(key) for key, _ in COLUMNS])
    return "\ufeff" + out.getvalue()


SEALED_README = """本压缩包内的 metrics.csv 由{office}于 {at} 导出，并加盖电子印章（metrics.csv.ses，国密 SM2/SM3，
GB/T 38540-2020 第 4 版签章结构，对文件全部字节的 SM3 杂凑值签名）。

核验方法：从福建省公租房申请平台“文书验证”页下载电子印章根证书（anju-seal-roots.pem），然后执行
    anju seal verify metrics.csv --roots anju-seal-roots.pem
或按 docs/interfaces/seals.md 用 OpenSSL 3 等任何支持国密算法的工具核验。表格改动一个字节，核验即不通过。
"""


def figures_sealed_zip(rows: list[dict[str, Any]], *, key_directory: Path, city_code: str) -> bytes:
    """The CSV, its detached seal by the city's office and a note on checking it, as one ZIP."""
    office = housing_office_name(city_code)
    table = figures_csv(rows).encode("utf-8")
    material = seal.seal_material(seal.seal_directory(key_directory), office_code=city_code, office=office)
    at = f"{to_shanghai(utcnow()):%Y-%m-%d %H:%M}"
    signature = seal.seal_detached(table, seal=material, description=f"dashboard figures {city_code} {at}")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metrics.csv", table)
        archive.writestr("metrics.csv.ses", signature)
        archive.writestr("说明.txt", SEALED_README.format(office=office, at=at))
    return out.getvalue()
