"""Signing before submitting: the e-signature service signs the application and the pledge for the applicant,
the platform verifies what comes back, housing verifies it again; when signing fails nothing is lost."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import select

from anju.core import crypto, esign
from anju.housing.intake.service import SIGNED_CONTEXT
from anju.housing.models import Case
from anju.platform.applications.signed import signed_documents_of
from anju.platform.models import Application
from tests.conftest import Systems
from tests.support.factories import case_submission
from tests.support.journey import applicant_sign_in, application_fill_and_submit, draft_id_of, open_draft_form
from tests.support.signed import signed_post

APPLICANT = "350104199011200641"


def test_the_submitted_application_and_pledge_carry_verified_signatures_that_reach_housing(
    live: Systems,
) -> None:
    platform_rt, housing_rt = live.runtimes["platform"], live.runtimes["housing"]
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser:
        form = applicant_sign_in(browser, platform, id_number=APPLICANT)
        done = application_fill_and_submit(browser, platform, form.text, phone="13912345678")
        assert done.status_code == 200 and "申请已提交" in done.text
        assert "电子签名" in done.text
    with platform_rt.db.transaction() as session:
        application = session.scalars(select(Application).where(Application.status == "submitted")).one()
        documents = signed_documents_of(
            session=session, application_id=application.id, cipher=platform_rt.cipher
        )
    assert [d.kind for d in documents] == ["application", "pledge"]
    body = json.loads(documents[0].content)
    assert body["answers"]["application"]["phone"] == "13912345678"  # what was typed is what was signed
    assert json.loads(documents[1].content)["application_sm3"] == crypto.sm3_hex(documents[0].content)
    for d in documents:
        esign.esign_verify(
            d.signature,
            registry=platform_rt.registry,
            document=d.content,
            signer_id_number=APPLICANT,
            kind=d.kind,
        )

    platform_rt.outbox_worker().run_once()
    with housing_rt.db.transaction() as session:
        case = session.scalars(select(Case)).one()
        kept = json.loads(housing_rt.cipher.decrypt(case.signed_documents_enc, context=SIGNED_CONTEXT))
    assert [k["signature"]["serial"] for k in kept] == [d.signature.serial for d in documents]


def test_when_the_signing_service_is_down_the_draft_waits_and_submits_later(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    sandbox = live.settings.base_url("sandbox")
    with httpx.Client(timeout=10) as browser:
        form = applicant_sign_in(browser, platform, id_number=APPLICANT)
        assert browser.put(f"{sandbox}/admin/faults/esign", json={"error_rate": 1.0}).status_code == 200
        refused = application_fill_and_submit(browser, platform, form.text, phone="13912345678")
        assert refused.status_code == 503
        assert "电子签名服务暂时无法签名" in refused.text and "都已保存" in refused.text
        browser.delete(f"{sandbox}/admin/faults")

        again = open_draft_form(
            browser, platform, browser.get(f"{platform}/applications/new", follow_redirects=True)
        )
        contact = browser.get(f"{platform}/drafts/{draft_id_of(again)}/sections/contact")
        assert 'value="13912345678"' in contact.text  # nothing typed was lost
        done = application_fill_and_submit(browser, platform, again.text)
        assert "申请已提交" in done.text


def test_housing_refuses_a_case_whose_signed_document_was_altered(systems: Systems) -> None:
    sandbox_key = systems.runtimes["sandbox"].identity.private_key
    content = json.dumps({"title": "福建省公共租赁住房申请表", "monthly_income": 150000}, ensure_ascii=False)
    signature = esign.esign_make(
        private_key=sandbox_key,
        service="sandbox",
        serial="ES-20261128-abcdef",
        kind="application",
        title="福建省公共租赁住房申请表",
        document_sm3=crypto.sm3_hex(content.encode()),
        byte_count=len(content.encode()),
        signer_name="王𠈌",
        signer_id_number="350182198802290158",
        signed_at=__import__("datetime").datetime.now(__import__("datetime").UTC),
    ).as_dict()
    client = systems.client("housing")
    altered = content.replace("150000", "150")
    refused = signed_post(
        client,
        as_system=systems.runtimes["platform"],
        path="/v1/cases",
        payload=case_submission(
            signed_documents=[
                {
                    "kind": "application",
                    "title": "福建省公共租赁住房申请表",
                    "content": altered,
                    "signature": signature,
                }
            ]
        ),
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "signature_document_changed"
    accepted = signed_post(
        client,
        as_system=systems.runtimes["platform"],
        path="/v1/cases",
        payload=case_submission(
            signed_documents=[
                {
                    "kind": "application",
                    "title": "福建省公共租赁住房申请表",
                    "content": content,
                    "signature": signature,
                }
            ]
        ),
    )
    assert accepted.status_code == 201
