"""The self-service kiosk: an ID card and the face sign a person in, the web's own steps follow in the
kiosk frame, the application is recorded as made at a kiosk, the terminal signs out by itself when left
alone, and the same person finds the application again online."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy import select

from anju.core.timeutil import utcnow
from anju.platform.models import Application, Consent, DataAccessLog, Evaluation
from anju.sandbox.sms.models import SmsMessage
from tests.conftest import Systems
from tests.support.factories import face_photo
from tests.support.journey import (
    applicant_sign_in,
    card_and_face_post,
    csrf_of,
    kiosk_card_place,
    kiosk_card_read,
    kiosk_terminal_start,
    own_hukou_consent_and_submit,
)

NAME, NUMBER = "欧阳娜娜", "350104199011200641"  # a sandbox persona (统一身份认证 knows her)


def kiosk_sign_in(
    kiosk: httpx.Client, platform: str, sandbox: str, *, card: dict[str, str] | None = None, **changes: object
) -> httpx.Response:
    """As the kiosk page does it: the reader's signed reading of the card on it, the camera's photo."""
    return card_and_face_post(
        kiosk,
        platform,
        sandbox,
        kind="kiosk",
        page="/kiosk",
        action="/kiosk/sign-in",
        card=card,
        **{"agree": "yes", **changes},
    )


def test_a_card_and_a_face_sign_in_and_the_application_is_made_at_the_kiosk(live: Systems) -> None:
    platform, sandbox = live.settings.base_url("platform"), live.settings.base_url("sandbox")
    with httpx.Client(timeout=20) as kiosk:
        kiosk_terminal_start(kiosk, live.settings.base_url("sandbox"))
        kiosk_card_place(sandbox, NUMBER)
        # A reading changed on its way (another number), used twice, or of an expired card: refused.
        reading = kiosk_card_read(kiosk, platform, sandbox)
        forged = kiosk_sign_in(kiosk, platform, sandbox, card={**reading, "id_number": "350102199203150519"})
        assert forged.status_code == 400 and "读取的信息无效" in forged.text
        once = kiosk_card_read(kiosk, platform, sandbox)
        assert kiosk_sign_in(kiosk, platform, sandbox, card=once, agree=None).status_code == 400
        replayed = kiosk_sign_in(kiosk, platform, sandbox, card=once)
        assert replayed.status_code == 400 and "读取的信息无效" in replayed.text
        kiosk_card_place(sandbox, NUMBER, expired=True)
        expired = kiosk_sign_in(kiosk, platform, sandbox)
        assert expired.status_code == 400 and "已过有效期" in expired.text
        kiosk_card_place(sandbox, NUMBER)
        unticked = kiosk_sign_in(kiosk, platform, sandbox, agree=None)
        assert unticked.status_code == 400 and "单独同意" in unticked.text
        httpx.put(f"{sandbox}/admin/faults/faceauth", json={"mismatch": True})
        stranger = kiosk_sign_in(kiosk, platform, sandbox)
        assert stranger.status_code == 400 and "人证核验未通过" in stranger.text
        assert "/kiosk" not in str(kiosk.get(f"{platform}/applications/new").url)  # not signed in: the login
        httpx.delete(f"{sandbox}/admin/faults")

        landed = kiosk_sign_in(kiosk, platform, sandbox)
        assert (
            landed.status_code == 200
            and 'class="kiosk elder"' in landed.text
            and "结束并退出" in landed.text
            and "大字版" not in landed.text  # large type already
        )
        number, done = own_hukou_consent_and_submit(kiosk, platform, phone="13912345678")

        # The receipt: printed or texted, never downloaded onto the shared machine.
        assert 'id="print-slip"' in done.text and 'id="receipt-link"' not in done.text
        assert number in done.text.split('id="print-slip"')[1].split(">")[0]  # the slip carries the number
        refused = kiosk.get(f"{platform}/applications/{number}/receipt.pdf")
        assert refused.status_code == 403 and "自助终端不下载文件" in refused.text
        texted = kiosk.post(
            f"{platform}/applications/{number}/receipt/sms",
            data={"csrf_token": csrf_of(done.text)},
            follow_redirects=True,
        )
        assert "回执短信已发送" in texted.text
        platform_rt = live.runtimes["platform"]
        platform_rt.outbox_worker().run_once()
        with live.runtimes["sandbox"].db.transaction() as session:
            sms = [(m.phone, m.text) for m in session.scalars(select(SmsMessage))]
        assert (
            "13912345678",
            f"【福建公租房】您的公租房申请已提交，申请编号{number}，请妥善保存。"
            f"可凭申请编号在{platform}/progress 查询办理进度。",
        ) in sms

        # Ending the visit goes to the rating screen first (voluntary: it can be skipped).
        rating = kiosk.post(
            f"{platform}/kiosk/sign-out", data={"csrf_token": csrf_of(done.text)}, follow_redirects=True
        )
        assert "<h1>评价本次服务</h1>" in rating.text and "不评价，直接退出" in rating.text
        scores = {code: "5" for code in re.findall(r'<fieldset id="(\w+)"><legend>', rating.text)}
        assert scores, rating.text[-1500:]
        bye = kiosk.post(
            f"{platform}/applications/{number}/evaluation",
            data={"csrf_token": csrf_of(rating.text), **scores},
            follow_redirects=True,
        )
        assert "感谢您的评价" in bye.text and "请取走您的身份证" in bye.text
        assert number not in kiosk.get(f"{platform}/applications/{number}", follow_redirects=True).text

    platform_runtime = live.runtimes["platform"]
    with platform_runtime.db.transaction() as session:
        application = session.scalars(select(Application).where(Application.application_no == number)).one()
        assert application.channel == "kiosk"
        consents = session.scalars(select(Consent).where(Consent.application_id == application.id)).all()
        assert consents and {c.channel for c in consents} == {"kiosk"}
        rated = session.scalars(select(Evaluation).where(Evaluation.application_id == application.id)).all()
        assert [(e.channel, e.stage, e.overall) for e in rated] == [("kiosk", "submitted", 5)]
        checks = session.scalars(
            select(DataAccessLog.outcome).where(DataAccessLog.source == "faceauth").order_by(DataAccessLog.id)
        ).all()
        assert checks == ["fail", "pass"]  # the stranger and the holder, both on the holder's log

    with httpx.Client(timeout=20) as online:  # later, at home, through 统一身份认证
        applicant_sign_in(online, platform, id_number=NUMBER)
        mine = online.get(f"{platform}/")
        assert number in mine.text


def test_a_kiosk_left_alone_signs_out_by_itself(live: Systems) -> None:
    platform, sandbox = live.settings.base_url("platform"), live.settings.base_url("sandbox")
    with httpx.Client(timeout=20) as kiosk:
        kiosk_terminal_start(kiosk, sandbox)
        kiosk_card_place(sandbox, NUMBER)
        landed = kiosk_sign_in(kiosk, platform, sandbox)
        assert "结束并退出" in landed.text
        # Somebody walked away: make the last request older than the idle limit, as time would.
        runtime = live.runtimes["platform"]
        token = kiosk.cookies.get("anju_platform")
        assert token
        store = runtime.sessions
        web = store.load(token)
        web.set("kiosk_seen", (utcnow() - timedelta(minutes=4)).isoformat())
        store.save(web, old_token=token)
        later = kiosk.get(f"{platform}/applications/new", follow_redirects=True)
        assert "/kiosk" in str(later.url) and "已自动退出" in later.text
        again = kiosk.get(f"{platform}/applications/new", follow_redirects=False)
        assert again.status_code == 303 and "/login" in again.headers["location"]  # the session is gone


def test_one_card_gets_a_few_tries_an_hour(live: Systems) -> None:
    platform, sandbox = live.settings.base_url("platform"), live.settings.base_url("sandbox")
    httpx.put(f"{sandbox}/admin/faults/faceauth", json={"mismatch": True})  # somebody else's face
    with httpx.Client(timeout=20) as kiosk:
        kiosk_terminal_start(kiosk, live.settings.base_url("sandbox"))
        kiosk_card_place(sandbox, NUMBER)
        for _ in range(5):
            assert kiosk_sign_in(kiosk, platform, sandbox).status_code == 400
        refused = kiosk_sign_in(kiosk, platform, sandbox)
        assert refused.status_code == 429 and "尝试次数过多" in refused.text
        kiosk_card_place(sandbox, "350102199203150519")
        other_card = kiosk_sign_in(kiosk, platform, sandbox)
        assert other_card.status_code == 400  # another card is still compared (and fails: wrong face)


def test_only_a_registered_terminal_signs_in_by_card_and_face(live: Systems) -> None:
    from anju.sandbox.devices.kiosk import DEMO_TERMINAL_ID

    platform, sandbox = live.settings.base_url("platform"), live.settings.base_url("sandbox")
    with httpx.Client(timeout=20) as browser:  # any browser, anywhere
        home = browser.get(f"{platform}/kiosk")
        assert (
            home.status_code == 403
            and "本机尚未启用为自助终端" in home.text
            and 'name="photo"' not in home.text
        )
        token = csrf_of(browser.get(f"{platform}/progress").text)  # a valid session token of this browser
        answers = {
            name: browser.post(
                f"{platform}/kiosk/sign-in",
                data={"csrf_token": token, "name": name, "id_number": NUMBER, "agree": "yes"},
                files={"photo": ("camera.jpg", face_photo(), "image/jpeg")},
            )
            for name in (NAME, "别人")
        }
        # The same refusal whichever name goes with the number, and no face check was asked for.
        assert {r.status_code for r in answers.values()} == {403}
        assert all("本机不是已登记的自助终端" in r.text for r in answers.values())
        with live.runtimes["platform"].db.transaction() as session:
            assert session.scalars(select(DataAccessLog)).all() == []

        agent = browser.get(f"{sandbox}/devices/kiosk")
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', agent.text))
        forged = browser.post(f"{platform}/kiosk/terminal", data={**fields, "signature": "30" + "00" * 70})
        assert forged.status_code == 403 and "终端签名无效" in forged.text
        unknown = browser.post(f"{platform}/kiosk/terminal", data={**fields, "terminal_id": "KIOSK-NOBODY"})
        assert unknown.status_code == 403 and "不是已登记的自助终端" in unknown.text
        bound = browser.post(f"{platform}/kiosk/terminal", data=fields, follow_redirects=True)
        assert bound.status_code == 200 and 'name="photo"' in bound.text
        assert fields["terminal_id"] == DEMO_TERMINAL_ID
    with httpx.Client(timeout=20) as replayer:  # the same signed challenge, sent again from elsewhere
        again = replayer.post(f"{platform}/kiosk/terminal", data=fields)
        assert again.status_code == 403 and "已经用过" in again.text

    with httpx.Client(timeout=20) as kiosk:  # at a terminal: a reading with another name is refused
        kiosk_terminal_start(kiosk, sandbox)
        kiosk_card_place(sandbox, NUMBER)
        reading = kiosk_card_read(kiosk, platform, sandbox)
        wrong_name = kiosk_sign_in(kiosk, platform, sandbox, card={**reading, "name": "别人"})
        assert wrong_name.status_code == 400 and "读取的信息无效" in wrong_name.text
        assert "实名信息" not in wrong_name.text  # nothing says the name and the number do not go together


def test_the_kiosk_start_page_offers_no_password_sign_in(live: Systems) -> None:
    with httpx.Client(timeout=20) as kiosk:
        start = kiosk_terminal_start(kiosk, live.settings.base_url("sandbox"))
    assert 'name="photo"' in start.text and "/login" not in start.text and ">登录<" not in start.text
