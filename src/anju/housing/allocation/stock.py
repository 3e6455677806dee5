"""The housing stock (房源) a city sends as a CSV file or an Excel workbook: projects and their flats, read
row by row, every bad row named with what is wrong, and nothing saved unless every row is right."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anju.core import regions
from anju.core.timeutil import utcnow
from anju.housing.allocation.models import HousingProject, HousingUnit

# The columns, as the template names them (the first row of the file), and what each one holds.
COLUMNS = {
    "项目名称": "project",
    "县（市、区）代码": "district_code",
    "项目地址": "address",
    "楼栋": "building",
    "房号": "unit_no",
    "建筑面积（平方米）": "area",
    "室": "rooms",
    "楼层": "floor",
    "租金（元/平方米·月）": "rent",
    "无障碍": "accessible",
}
TEMPLATE_EXAMPLE = [
    "福州市鼓楼区示例公租房小区",
    "350102",
    "鼓楼区示例路 1 号",
    "3",
    "502",
    "45.60",
    "2",
    "5",
    "12.50",
    "否",
]
MAX_ROWS = 20_000
MAX_BYTES = 5 * 1024 * 1024


@dataclass
class StockImport:
    """What a file held: the rows read, and every problem by row (a row number as the file shows it)."""

    units: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def template_csv() -> bytes:
    """The template a city fills in: the header and one example row (UTF-8 with BOM, so Excel opens it)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(COLUMNS))
    writer.writerow(TEMPLATE_EXAMPLE)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _rows(filename: str, content: bytes) -> list[list[str]]:
    """The file's rows as text cells (raises ValueError when it is neither a CSV nor an Excel workbook)."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook  # only for a workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise ValueError("无法读取这个 Excel 文件，请按模板另存为 .xlsx 或 .csv 后再上传。") from exc
        return [
            ["" if c is None else str(c).strip() for c in row] for row in sheet.iter_rows(values_only=True)
        ]
    if filename.lower().endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("gb18030")  # Excel in Chinese saves CSV in GBK by default
            except UnicodeDecodeError as exc:
                raise ValueError("CSV 文件的编码无法识别，请另存为 UTF-8 后再上传。") from exc
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    raise ValueError("请上传 .csv 或 .xlsx 文件。")


def _decimal(text: str, what: str, *, places: int, low: Decimal, high: Decimal) -> int:
    """A number with at most ``places`` decimals, in hundredths (raises ValueError saying what is wrong)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{what}应为数字（现在是“{text}”）") from None
    if not value.is_finite() or not low <= value <= high or value != round(value, places):
        raise ValueError(f"{what}应在 {low}–{high} 之间、最多 {places} 位小数（现在是“{text}”）")
    return int(value * 100)


def _whole(text: str, what: str, low: int, high: int) -> int:
    if not text.lstrip("-").isdigit() or not low <= int(text) <= high:
        raise ValueError(f"{what}应为 {low}–{high} 的整数（现在是“{text}”）")
    return int(text)


def _row(cells: dict[str, str], city_code: str) -> dict[str, Any]:
    """One row checked and converted (raises ValueError naming every problem of the row)."""
    problems: list[str] = []
    out: dict[str, Any] = {}

    def take(key: str, convert: Any) -> None:
        try:
            out[key] = convert(cells.get(key, ""))
        except ValueError as exc:
            problems.append(str(exc))

    def text(what: str, limit: int) -> Any:
        def convert(value: str) -> str:
            if not value or len(value) > limit:
                raise ValueError(f"{what}不能为空，最多 {limit} 个字")
            return value

        return convert

    def district(value: str) -> str:
        if value in {c.code for c in regions.counties_of(city_code)}:
            return value
        raise ValueError(f"县（市、区）代码应为本市的县级代码（现在是“{value}”）")

    take("project", text("项目名称", 100))
    take("district_code", district)
    take("address", text("项目地址", 200))
    take("building", text("楼栋", 20))
    take("unit_no", text("房号", 20))
    take("area", lambda v: _decimal(v, "建筑面积", places=2, low=Decimal(10), high=Decimal(200)))
    take("rooms", lambda v: _whole(v, "室", 1, 6))
    take("floor", lambda v: _whole(v, "楼层", -3, 99))
    take("rent", lambda v: _decimal(v, "租金", places=2, low=Decimal("0.01"), high=Decimal(200)))
    take("accessible", _yes_no)
    if problems:
        raise ValueError("；".join(problems))
    return out


def _yes_no(value: str) -> bool:
    if value not in ("是", "否"):
        raise ValueError(f"无障碍应填“是”或“否”（现在是“{value}”）")
    return value == "是"


def stock_read(*, filename: str, content: bytes, city_code: str) -> StockImport:
    """Every row of the file checked; ``errors`` empty means the whole file may be saved."""
    result = StockImport()
    if len(content) > MAX_BYTES:
        result.errors.append(f"文件超过 {MAX_BYTES // 1024 // 1024} MB，请分批上传。")
        return result
    try:
        rows = _rows(filename, content)
    except ValueError as exc:
        result.errors.append(str(exc))
        return result
    rows = [r for r in rows if any(r)]
    if not rows or [h.strip() for h in rows[0][: len(COLUMNS)]] != list(COLUMNS):
        result.errors.append("第 1 行应为模板的表头：" + "、".join(COLUMNS) + "。请下载模板对照。")
        return result
    if len(rows) - 1 > MAX_ROWS:
        result.errors.append(f"一次最多导入 {MAX_ROWS} 套房源，请分批上传。")
        return result
    seen: dict[tuple[str, str, str], int] = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = {key: (row[i] if i < len(row) else "") for i, key in enumerate(COLUMNS.values())}
        try:
            unit = _row(cells, city_code)
        except ValueError as exc:
            result.errors.append(f"第 {number} 行：{exc}。")
            continue
        place = (unit["project"], unit["building"], unit["unit_no"])
        if place in seen:
            result.errors.append(f"第 {number} 行：与第 {seen[place]} 行是同一套房源（{'、'.join(place)}）。")
            continue
        seen[place] = number
        result.units.append({**unit, "row": number})
    if not result.units and not result.errors:
        result.errors.append("文件中没有房源。")
    return result


def stock_save(*, session: Session, read: StockImport, city_code: str, actor: str) -> int:
    """Save a file that read without error; a flat already in the stock is refused by its row, and then
    nothing is saved (raises ValueError with the rows)."""
    projects = {
        p.name: p
        for p in session.scalars(select(HousingProject).where(HousingProject.city_code == city_code))
    }
    existing = {
        (name, u.building, u.unit_no)
        for name, u in session.execute(
            select(HousingProject.name, HousingUnit)
            .join(HousingUnit, HousingUnit.project_id == HousingProject.id)
            .where(HousingProject.city_code == city_code)
        )
    }
    duplicates = [
        f"第 {u['row']} 行：{u['project']} {u['building']}栋 {u['unit_no']} 已在房源中。"
        for u in read.units
        if (u["project"], u["building"], u["unit_no"]) in existing
    ]
    if duplicates:
        raise ValueError("\n".join(duplicates))
    now = utcnow()
    for u in read.units:
        project = projects.get(u["project"])
        if project is None:
            project = HousingProject(
                city_code=city_code, district_code=u["district_code"], name=u["project"], address=u["address"]
            )
            session.add(project)
            session.flush()
            projects[project.name] = project
        session.add(
            HousingUnit(
                project_id=project.id,
                building=u["building"],
                unit_no=u["unit_no"],
                area_centi_m2=u["area"],
                rooms=u["rooms"],
                floor=u["floor"],
                rent_fen_per_m2=u["rent"],
                accessible=u["accessible"],
                state="available",
                imported_by=actor,
                imported_at=now,
            )
        )
    session.flush()
    return len(read.units)


def stock_summary(*, session: Session, city_code: str) -> list[dict[str, Any]]:
    """Each project of the city with its flats counted by state."""
    rows: dict[int, dict[str, Any]] = {}
    query = (
        select(HousingProject, HousingUnit.state)
        .join(HousingUnit, HousingUnit.project_id == HousingProject.id)
        .where(HousingProject.city_code == city_code)
        .order_by(HousingProject.name)
    )
    for project, state in session.execute(query):
        row = rows.setdefault(
            project.id,
            {
                "name": project.name,
                "district": regions.get(project.district_code).name,
                "available": 0,
                "offered": 0,
                "let": 0,
            },
        )
        row[state] += 1
    return list(rows.values())
