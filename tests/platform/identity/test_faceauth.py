"""人脸识别 before submission: an applicant whose sign-in stopped at 中级 verifies their face on the
platform after a separate notice, the phone's photo is brought to the contract's 10-70 KB, a mismatch
or an unusable photo says what to do, and every check is in the person's data log."""

from __future__ import annotations

import base64
import re

import httpx
import pytest
from sqlalchemy import select

from anju.core import faceauth
from anju.platform.identity.faceauth import FaceAuthFailed, photo_prepare
from anju.platform.models import DataAccessLog
from tests.conftest import Systems
from tests.support.factories import face_photo
from tests.support.journey import applicant_sign_in, csrf_of, fill_until_check

LEVEL_TWO = "350503197801010339"  # 黄志强: 中级 only, no face verification at sign-in


def test_a_phone_photo_is_brought_to_the_contract_and_junk_is_refused() -> None:
    raw = face_photo()
    assert len(raw) > faceauth.PHOTO_MAX_BYTES  # what a phone gives
    prepared = photo_prepare(raw)
    assert faceauth.photo_problem(prepared) == "" and faceauth.photo_format(prepared) == "image/jpeg"
    with pytest.raises(FaceAuthFailed, match="无法识别这张照片"):
        photo_prepare(b"%PDF-1.7 not a photo")
    with pytest.raises(FaceAuthFailed, match="照片太小"):
        photo_prepare(face_photo(120, 160))


def test_the_face_check_keeps_its_contract(live: Systems) -> None:
    client = live.runtimes["platform"].client
    photo = photo_prepare(face_photo())

    def ask(**changes: str) -> httpx.Response:
        payload = {
            "biz_seq": "GZFtest0001",
            "auth_mode": "face",
            "name": "黄志强",
            "id_number": LEVEL_TWO,
            "photo_b64": base64.b64encode(photo).decode(),
            **changes,
        }
        return client.request(
            method="POST",
            destination="sandbox",
            path=faceauth.FACEAUTH_PATH,
            payload=payload,
            user="test",
            purpose="测试",
            case="T-1",
        )

    passed = ask()
    assert passed.status_code == 200 and passed.json()["result"] == "pass"
    tiny = ask(photo_b64=base64.b64encode(photo[:5000]).decode())
    assert tiny.status_code == 422 and "10 KB 至 70 KB" in tiny.json()["error"]["message"]
    assert ask(photo_b64=base64.b64encode(b"GIF89a" + b"x" * 20000).decode()).status_code == 422
    assert ask(name="别人").status_code == 404  # the name does not go with the number
    httpx.put(f"{live.settings.base_url('sandbox')}/admin/faults/faceauth", json={"mismatch": True})
    failed = ask()
    assert failed.json()["result"] == "fail" and "不一致" in failed.json()["reason"]


def test_an_applicant_verifies_their_face_and_can_then_submit(live: Systems) -> None:
    platform, sandbox = live.settings.base_url("platform"), live.settings.base_url("sandbox")
    with httpx.Client(timeout=20) as browser:
        form = applicant_sign_in(browser, platform, id_number=LEVEL_TWO)
        check = fill_until_check(browser, platform, form.text, city_code="350500", district_code="350503")
        assert "进行人脸识别" in check.text.split('id="face-needed"')[1]
        face_path = re.search(r'href="([^"]*/drafts/\d+/face)"', check.text).group(1)  # type: ignore[union-attr]
        face_url = httpx.URL(platform + "/").join(face_path)
        page = browser.get(face_url)
        assert "生物识别信息" in page.text and "不保存照片" in page.text

        def send(photo: bytes, *, agree: bool = True) -> httpx.Response:
            data = {"csrf_token": csrf_of(page.text), **({"agree": "yes"} if agree else {})}
            return browser.post(
                face_url, data=data, files={"photo": ("me.jpg", photo, "image/jpeg")}, follow_redirects=True
            )

        refused = send(face_photo(), agree=False)
        assert refused.status_code == 400 and "勾选单独同意" in refused.text
        junk = send(b"not a photo at all")
        assert junk.status_code == 400 and "无法识别这张照片" in junk.text

        httpx.put(f"{sandbox}/admin/faults/faceauth", json={"mismatch": True})
        mismatch = send(face_photo())
        assert mismatch.status_code == 400 and "现场照片与身份证照片不一致" in mismatch.text
        still = browser.get(check.url)
        assert 'id="face-needed"' in still.text  # a failed check raises nothing

        httpx.put(f"{sandbox}/admin/faults/faceauth", json={"mismatch": False, "error_rate": 1.0})
        down = send(face_photo())
        assert down.status_code == 502 and "暂时不可用" in down.text

        httpx.delete(f"{sandbox}/admin/faults")
        passed = send(face_photo(), agree=True)
        assert passed.status_code == 200 and 'id="face-passed"' in passed.text
        submitted = browser.post(
            str(passed.url).split("?")[0], data={"csrf_token": csrf_of(passed.text)}, follow_redirects=True
        )
        assert submitted.status_code == 200 and "申请已提交" in submitted.text

        log = browser.get(f"{platform}/my/data-log").text
        assert "人脸身份认证" in log and "人脸比对通过" in log and "人脸比对未通过" in log
    platform_runtime = live.runtimes["platform"]
    with platform_runtime.db.transaction() as session:
        assert platform_runtime.audit.verify(session, DataAccessLog).intact
        outcomes = session.scalars(
            select(DataAccessLog.outcome).where(DataAccessLog.source == "faceauth").order_by(DataAccessLog.id)
        ).all()
    # The junk photo never left the platform; the mismatch, the outage and the pass are all on record.
    assert outcomes == ["fail", "failed:faceauth_http_503", "pass"]
