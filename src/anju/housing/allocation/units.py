"""A flat as people are told of it: its name, size, rent a month (fen, exact), in pages and on the platform."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.orm import Session

from anju.core import regions
from anju.housing.allocation.models import HousingProject, HousingUnit


def percent_of(fen: int, percent: int) -> int:
    """A percentage of a sum in fen, exact, rounded half up to the fen."""
    return int((Decimal(fen) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def monthly_rent_fen(unit: HousingUnit) -> int:
    """The flat's rent a month, before any subsidy: area × rent per m², to the nearest fen (half up)."""
    exact = Decimal(unit.area_centi_m2) * unit.rent_fen_per_m2 / 100
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def yuan(fen: int) -> str:
    """Fen as yuan with two decimals: 123456 → 1234.56."""
    return f"{fen // 100}.{fen % 100:02d}"


def unit_label(project: HousingProject, unit: HousingUnit) -> str:
    """How a flat is named to people: 项目 楼栋-房号."""
    return f"{project.name} {unit.building}栋 {unit.unit_no}"


def unit_facts(project: HousingProject, unit: HousingUnit) -> dict[str, Any]:
    """A flat as pages and the platform show it."""
    return {
        "id": unit.id,
        "label": unit_label(project, unit),
        "district": regions.get(project.district_code).name,
        "address": project.address,
        "area_m2": yuan(unit.area_centi_m2),  # hundredths, written the same way
        "rooms": unit.rooms,
        "floor": unit.floor,
        "accessible": unit.accessible,
        "rent_per_m2": yuan(unit.rent_fen_per_m2),
        "monthly_rent": yuan(monthly_rent_fen(unit)),
    }


def unit_with_project(session: Session, unit_id: int) -> tuple[HousingProject, HousingUnit]:
    """A flat and its project (both exist: an offer or a tenancy points at a flat that is never deleted)."""
    unit = session.get(HousingUnit, unit_id)
    assert unit is not None
    project = session.get(HousingProject, unit.project_id)
    assert project is not None
    return project, unit
