"""Small factories: each test states only what matters to it (GOV.UK Notify's habit)."""

from __future__ import annotations

from typing import Any

from anju.core.runtime import Runtime
from anju.platform.applications import service as applications
from anju.platform.identity.oidc import VerifiedIdentity
from anju.platform.identity.service import applicant_sign_in


def submit_application(
    platform: Runtime,
    *,
    subject: str = "fj-test-1",
    name: str = "林晓峰",
    id_number: str = "350102199203150519",
    phone: str = "13805910001",
    real_name_level: int = 3,
    city_code: str = "350100",
    district_code: str = "350102",
    applicant_group: str = "new_graduate",
    household_size: int = 1,
    address: str = "鼓楼区五四路 123 号",
) -> str:
    """Sign an applicant in (as the provider would vouch) and submit; returns the application number."""
    with platform.db.transaction() as session:
        applicant = applicant_sign_in(
            session=session,
            identity=VerifiedIdentity(
                subject=subject, name=name, id_number=id_number, phone=phone, real_name_level=real_name_level
            ),
            cipher=platform.cipher,
            index=platform.blind_index,
        )
        application = applications.application_submit(
            session=session,
            applicant=applicant,
            form=applications.ApplicationForm(
                city_code=city_code,
                district_code=district_code,
                applicant_group=applicant_group,
                household_size=str(household_size),
                phone=phone,
                address=address,
                pledge=True,
            ),
            cipher=platform.cipher,
            outbox=platform.tables.outbox,
            min_real_name_level=3,
        )
        return application.application_no


def case_submission(**changes: Any) -> dict[str, Any]:
    """A case as the platform sends it to housing's intake API."""
    body: dict[str, Any] = {
        "case_no": "GZF-350100-20261127-000001",
        "city_code": "350100",
        "district_code": "350102",
        "channel": "web",
        "submitted_at": "2026-11-27T02:00:00+00:00",
        "applicant": {
            "name": "王𠈌",
            "id_number": "350182198802290158",
            "phone": "18605910006",
            "real_name_level": 3,
        },
        "applicant_group": "low_income",
        "household_size": 3,
        "address": "长乐区吴航街道 8 号",
    }
    body.update(changes)
    return body
