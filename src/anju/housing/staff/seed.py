"""Demo staff accounts for the embedded default and the joint-test environment (never production)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from anju.core import regions
from anju.core.staffauth import accounts_seed
from anju.housing.models import StaffUser
from anju.housing.staff.service import staff_create

DEMO_STAFF_PASSWORD = "anju-staff-demo"  # noqa: S105 - printed by `make run`; demo accounts only


def demo_staff() -> list[dict[str, str]]:
    """One intake reviewer per jurisdiction, one in 鼓楼区, and every other role in 福州 and 厦门."""
    accounts = [
        {
            "username": f"shouli.{city.code}",
            "display_name": f"{city.name}受理窗口",
            "role": "street_reviewer",
            "region_code": city.code,
        }
        for city in regions.jurisdictions()
    ]
    accounts.append(
        {
            "username": "shouli.350102",
            "display_name": "鼓楼区受理窗口",
            "role": "street_reviewer",
            "region_code": "350102",
        }
    )
    # The rest of the path in two cities, so a case can be walked to 办结 and roles compared across cities.
    for code, city in (("350100", "福州市"), ("350200", "厦门市")):
        accounts += [
            {
                "username": f"shenhe.{code}",
                "display_name": f"{city}区县审核员",
                "role": "district_reviewer",
                "region_code": code,
            },
            {
                "username": f"shenpi.{code}",
                "display_name": f"{city}审批人",
                "role": "city_approver",
                "region_code": code,
            },
            {
                "username": f"guanli.{code}",
                "display_name": f"{city}管理员",
                "role": "city_admin",
                "region_code": code,
            },
            {
                "username": f"shenji.{code}",
                "display_name": f"{city}审计员",
                "role": "auditor",
                "region_code": code,
            },
        ]
    return accounts


def staff_seed_demo(*, session: Session) -> int:
    """Create the demo accounts that do not exist yet; returns how many were added."""
    return accounts_seed(
        session=session,
        model=StaffUser,
        accounts=demo_staff(),
        password=DEMO_STAFF_PASSWORD,
        create=staff_create,
    )
