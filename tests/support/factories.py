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


HUSBAND, WIFE, CHILD = "350102199203150519", "350104199011200641", "350102201805200034"


def seed_family(sandbox: Runtime) -> None:
    """A married couple and their child in one hukou book in 鼓楼区, with a degree, insurance and a sold home."""
    from datetime import date

    from anju.sandbox.population.models import (
        EducationRecord,
        HukouBook,
        InsuranceSpan,
        MarriageRecord,
        Person,
        PropertyRecord,
    )

    with sandbox.db.transaction() as session:
        book = HukouBook(book_no="350102000001", county_code="350102", address="福州市鼓楼区东街 12 号")
        session.add(book)
        session.flush()
        husband = Person(
            id_number=HUSBAND,
            name="林晓峰",
            sex="M",
            birth_date=date(1992, 3, 15),
            book_id=book.id,
            relation="户主",
            hukou_moved_in=date(2019, 8, 1),
        )
        wife = Person(
            id_number=WIFE,
            name="欧阳娜娜",
            sex="F",
            birth_date=date(1990, 11, 20),
            book_id=book.id,
            relation="配偶",
            hukou_moved_in=date(2021, 5, 1),
        )
        child = Person(
            id_number=CHILD,
            name="林小满",
            sex="M",
            birth_date=date(2018, 5, 20),
            book_id=book.id,
            relation="子女",
            hukou_moved_in=date(2018, 6, 1),
        )
        session.add_all([husband, wife, child])
        session.flush()
        session.add_all(
            [
                MarriageRecord(
                    person_id=husband.id,
                    status="married",
                    spouse_id_number=WIFE,
                    registered_on=date(2017, 4, 2),
                ),
                MarriageRecord(
                    person_id=wife.id,
                    status="married",
                    spouse_id_number=HUSBAND,
                    registered_on=date(2017, 4, 2),
                ),
                EducationRecord(
                    person_id=husband.id,
                    level="本科",
                    school="福州大学",
                    full_time=True,
                    graduated_on=date(2014, 6, 30),
                ),
                InsuranceSpan(
                    person_id=husband.id,
                    city_code="350100",
                    employer="福州云海信息技术有限公司",
                    base_fen=600000,
                    first_month=date(2025, 1, 1),
                    last_month=date(2026, 12, 1),
                ),
                PropertyRecord(
                    person_id=wife.id,
                    city_code="350100",
                    address="福州市仓山区南江滨西大道 8 号",
                    area_centi_m2=8950,
                    acquired_on=date(2018, 3, 1),
                    disposed_on=date(2024, 11, 1),
                ),
            ]
        )


def face_photo(width: int = 3000, height: int = 4000, seed: int = 1) -> bytes:
    """A phone-sized JPEG with a photo's amount of detail (blurred shapes): megabytes-class input
    that the platform must bring down to the face check's 10-70 KB."""
    import io
    import random

    from PIL import Image, ImageDraw, ImageFilter

    rnd = random.Random(seed)
    image = Image.new("RGB", (width, height), (200, 180, 160))
    draw = ImageDraw.Draw(image)
    for _ in range(400):
        x, y, r = rnd.randrange(width), rnd.randrange(height), rnd.randrange(20, 300)
        draw.ellipse((x, y, x + r, y + r), fill=(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    out = io.BytesIO()
    image.filter(ImageFilter.GaussianBlur(3)).save(out, "JPEG", quality=90)
    return out.getvalue()


def scanned_png(width: int = 40, height: int = 30) -> bytes:
    """A small but real PNG (a scanned proof): it decodes, as the upload check requires."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (250, 250, 245)).save(out, "PNG")
    return out.getvalue()
