"""The counter channel, step 2 (issue 16): the walk-in is identified by the window's card reader and either
the window camera's face check or the clerk's 人证核验 attestation; the web's own steps follow in the
counter frame, the application is recorded as made at the counter, and "办结，下一位" leaves nothing of
the last person for the next."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import httpx
from sqlalchemy import delete, select

from anju.core.crypto import sm3_hex
from anju.core.timeutil import today_shanghai
from anju.housing.review import deadlines
from anju.platform.applications import household, retention
from anju.platform.applications.signed import signed_documents_of
from anju.platform.identity import terminals
from anju.platform.metrics.rollup import metrics_rollup
from anju.platform.models import (
    Agency,
    Applicant,
    Application,
    Consent,
    DataAccessLog,
    Evaluation,
    ProofUpload,
)
from tests.conftest import Systems, serving
from tests.platform.channels.counter.test_counter_sign_in import clerk_sign_in
from tests.support.factories import CHILD, HUSBAND, WIFE, scanned_png, seed_family
from tests.support.journey import (
    applicant_sign_in,
    card_and_face_post,
    csrf_of,
    fill_until_check,
    kiosk_card_place,
    kiosk_card_read,
    kiosk_terminal_start,
    member_authorises_at_window,
    open_draft_form,
    own_hukou_consent_and_submit,
    pad_signature,
    page_answers,
    staff_sign_in,
)
from tests.support.pdf import pdf_text

NAME, NUMBER = "欧阳娜娜", "350104199011200641"  # a sandbox persona (统一身份认证 knows her)
CLERK_NAME = "福州市窗口人员（演示）"
PNG = scanned_png()


def serve_at_window(window: httpx.Client, platform: str, sandbox: str) -> httpx.Response:
    """A clerk signs in at the window, its devices are enabled, her card is read and the clerk attests."""
    clerk_sign_in(window, platform)
    kiosk_terminal_start(window, sandbox, "window")
    kiosk_card_place(sandbox, NUMBER, kind="window")
    return walk_in(window, platform, sandbox, method="attest", agree=None, attested="yes")


def draft_started(client: httpx.Client, platform: str) -> int:
    """Start the served person's draft; its number."""
    tasks = client.get(f"{platform}/applications/new", follow_redirects=True)
    started = client.post(
        f"{platform}/drafts", data={"csrf_token": csrf_of(tasks.text)}, follow_redirects=True
    )
    found = re.search(r"/drafts/(\d+)", str(started.url))
    assert found, started.text[-500:]
    return int(found.group(1))


def own_consent(window: httpx.Client, platform: str, draft_id: int, sources: list[str]) -> httpx.Response:
    """The served person's own consents, confirmed in person before the clerk; the page it lands on."""
    tasks = window.get(f"{platform}/drafts/{draft_id}")
    link = re.search(r'href="([^"]*/members/\d+/consent)"', tasks.text)
    assert link, tasks.text[-600:]
    consent_url = httpx.URL(platform + "/").join(link.group(1))
    page = window.get(consent_url)
    data = {"csrf_token": csrf_of(page.text), "source": sources, "witnessed": "yes"}
    granted = window.post(consent_url, data=data, follow_redirects=True)
    assert "授权已记录" in granted.text, granted.text[-600:]
    return granted


def evaluator_read(window: httpx.Client, platform: str, sandbox: str) -> dict[str, str]:
    """What the counter's rating page does: a fresh challenge, then the evaluator's signed press."""
    challenge = window.get(f"{platform}/kiosk/challenge").json()["challenge"]
    read = httpx.get(f"{sandbox}/devices/window/local/evaluator", params={"challenge": challenge})
    assert read.status_code == 200, read.text
    return dict(read.json())


def walk_in(
    window: httpx.Client,
    platform: str,
    sandbox: str,
    *,
    card: dict[str, str] | None = None,
    **changes: object,
) -> httpx.Response:
    """As the counter page does it: the window reader's signed reading, the window camera's photo."""
    fields = {"method": "face", "agree": "yes", **changes}
    return card_and_face_post(
        window,
        platform,
        sandbox,
        kind="window",
        page="/counter/",
        action="/counter/walk-in",
        card=card,
        **fields,
    )


def test_a_walk_in_is_identified_by_card_and_face_and_applies_in_the_counter_frame(live: Systems) -> None:
    platform, sandbox = live.settings.base_url("platform"), live.settings.base_url("sandbox")
    with httpx.Client(timeout=20) as window:
        home = clerk_sign_in(window, platform)
        # Before the window's devices are enabled there is nothing to read a card with.
        assert 'id="counter-no-window"' in home.text and 'id="counter-form"' not in home.text
        home = kiosk_terminal_start(window, sandbox, "window")  # the device agent lands on the clerk's page
        assert home.url.path.endswith("/counter/") and 'id="counter-form"' in home.text
        assert "联调测试窗口设备" in home.text.split('id="window-devices"')[1].split("</td>")[0]

        kiosk_card_place(sandbox, NUMBER, kind="window")
        unticked = walk_in(window, platform, sandbox, agree=None)
        assert unticked.status_code == 400 and "单独同意" in unticked.text
        landed = walk_in(window, platform, sandbox)
        assert landed.status_code == 200, landed.text[-800:]
        frame = landed.text.split("</nav>")[0]
        assert f'<span id="clerk-name">{CLERK_NAME}</span>' in frame
        assert "正在办理：欧**" in frame and "办结，下一位" in frame
        assert (
            "大字版" in frame and ">退出</button>" not in frame
        )  # the resident's sign-out is not the clerk's

        # The consent is the applicant's, confirmed in person before the clerk, who says so.
        tasks = window.get(f"{platform}/applications/new", follow_redirects=True)
        if ">开始申请</button>" in tasks.text:
            tasks = window.post(
                f"{platform}/drafts", data={"csrf_token": csrf_of(tasks.text)}, follow_redirects=True
            )
        link = re.search(r'href="([^"]*/members/\d+/consent)"', tasks.text)
        assert link
        consent_url = httpx.URL(platform + "/").join(link.group(1))
        consent_page = window.get(consent_url)
        assert 'id="witnessed"' in consent_page.text
        unwitnessed = window.post(
            consent_url,
            data={"csrf_token": csrf_of(consent_page.text), "source": ["hukou"]},
            follow_redirects=True,
        )
        assert unwitnessed.status_code == 400 and "当面确认" in unwitnessed.text
        # A paper she brought is scanned at the window (the 高拍仪) and counted as collected on paper.
        draft_id = re.search(r"/drafts/(\d+)/", tasks.text).group(1)  # type: ignore[union-attr]
        pledge = window.get(f"{platform}/drafts/{draft_id}/sections/pledge")
        assert "data-scan" in pledge.text and 'data-scanner="' in pledge.text
        scan = httpx.post(f"{sandbox}/devices/window/local/scanner/capture")
        assert scan.status_code == 200 and scan.headers["content-type"] == "image/jpeg"
        kept = window.post(
            f"{platform}/drafts/{draft_id}/sections/pledge/files",
            data={"csrf_token": csrf_of(pledge.text)},
            files={"file": ("窗口扫描.jpg", scan.content, "image/jpeg")},
            follow_redirects=True,
        )
        assert "窗口扫描.jpg" in kept.text and "窗口收取的纸质材料" in kept.text
        number, done = own_hukou_consent_and_submit(
            window, platform, consent_extra={"witnessed": "yes"}, phone="13912345678"
        )
        # The receipt is printed at the window: the PDF opens to print, not to keep on the clerk's computer.
        shown = window.get(f"{platform}/applications/{number}")
        assert 'id="receipt-print"' in shown.text and 'id="print-slip"' not in shown.text
        printed = window.get(f"{platform}/applications/{number}/receipt.pdf?print=1")
        assert printed.headers["content-disposition"].startswith("inline")
        assert number in re.sub(r"\s", "", pdf_text(printed.content))
        mine = window.get(f"{platform}/consents")
        assert f"在窗口人员 {CLERK_NAME}（福州市政务服务中心（演示））面前当面确认" in mine.text
        with live.runtimes["platform"].db.transaction() as session:
            application = session.scalar(select(Application).where(Application.application_no == number))
            assert application is not None and application.channel == "counter"
            face = session.scalars(
                select(DataAccessLog)
                .where(DataAccessLog.source == "faceauth")
                .order_by(DataAccessLog.id.desc())
            ).first()
            assert face is not None and face.actor.startswith("clerk:") and face.outcome == "pass"
            given = session.scalars(select(Consent).where(Consent.application_id == application.id)).all()
            assert given and all(c.witnessed_by == face.actor and c.channel == "counter" for c in given)

        # 办结，下一位: first the evaluator (一次一评), pressed by the person, not the clerk.
        rating = window.post(
            f"{platform}/counter/next", data={"csrf_token": csrf_of(done.text)}, follow_redirects=True
        )
        assert rating.url.path.endswith("/counter/rating") and "data-evaluator" in rating.text
        typed = window.post(
            f"{platform}/counter/rating",
            data={"csrf_token": csrf_of(rating.text), "rating": json.dumps({"scores": "overall=5"})},
        )
        assert typed.status_code == 400 and "评价器" in typed.text  # no signed press: nothing recorded
        httpx.post(f"{sandbox}/devices/window/local/evaluator/prompt")
        pressed = httpx.post(
            f"{sandbox}/devices/window/evaluator",
            data={"overall": "1", "efficiency": "2", "service_level": "2", "attitude": "1"},
        )
        assert pressed.status_code == 303
        press = evaluator_read(window, platform, sandbox)
        forged = window.post(
            f"{platform}/counter/rating",
            data={
                "csrf_token": csrf_of(rating.text),
                "rating": json.dumps({**press, "scores": press["scores"].replace("overall=1", "overall=5")}),
            },
        )
        assert forged.status_code == 400  # the clerk's screen cannot turn a 差评 into a 好评
        nxt = window.post(
            f"{platform}/counter/rating",
            data={
                "csrf_token": csrf_of(rating.text),
                "rating": json.dumps(evaluator_read(window, platform, sandbox)),
            },
            follow_redirects=True,
        )
        assert nxt.url.path.endswith("/counter/") and "已收到申请人的评价" in nxt.text
        with live.runtimes["platform"].db.transaction() as session:
            rated = session.scalar(select(Evaluation).where(Evaluation.application_id == application.id))
            assert rated is not None and (rated.channel, rated.overall) == ("counter", 1)
            assert rated.clerk == face.actor and rated.terminal_id == "WINDOW-DEMO-01"
            assert rated.follow_up_due_on is not None  # a 差评 is followed up, as online
        assert 'id="counter-form"' in nxt.text and "欧" not in nxt.text.split("</nav>")[0]
        for page in ("/applications/new", f"/applications/{number}", "/my/data-log"):
            later = window.get(f"{platform}{page}", follow_redirects=True)
            assert NAME not in later.text and number not in later.text and "欧**" not in later.text, page
            assert (
                later.url.path.endswith("/counter/") and 'id="counter-form"' in later.text
            )  # identify first

    # The city's dashboard counts the window: one application, its paper proof, its evaluator's rating.
    live.runtimes["platform"].outbox_worker().run_once()
    metrics_rollup(live.runtimes["platform"].db)  # cron's job, every minute in production
    housing = live.settings.base_url("housing")
    with httpx.Client(timeout=20) as staff:
        staff_sign_in(staff, housing, username="shouli.350100")
        board = staff.get(f"{housing}/staff/dashboard")
        windows = board.text.split('id="windows"')[1].split("</table>")[0]
        cells = re.findall(r"<td>([^<]*)</td>", windows)
        assert cells[:4] == ["福州市政务服务中心（演示）", "综合受理 1 号窗口", CLERK_NAME, "1"], cells
        assert cells[5:] == ["1", "1", "0"], cells  # one paper proof; one rating, a 差评
        metrics = board.text.split('id="metrics"')[1].split("</table>")[0]
        assert "窗口" in metrics and "其中窗口收取纸质材料" in metrics


def test_without_a_camera_the_clerk_attests_and_the_data_log_names_the_clerk(live: Systems) -> None:
    platform, sandbox = live.settings.base_url("platform"), live.settings.base_url("sandbox")
    with httpx.Client(timeout=20) as window:
        clerk_sign_in(window, platform)
        kiosk_terminal_start(window, sandbox, "window")
        kiosk_card_place(sandbox, NUMBER, kind="window")
        unconfirmed = walk_in(window, platform, sandbox, method="attest", agree=None)
        assert unconfirmed.status_code == 400 and "人证核验一致" in unconfirmed.text
        assert 'id="method-attest" checked' in unconfirmed.text  # the clerk's choice is kept
        attested = walk_in(window, platform, sandbox, method="attest", agree=None, attested="yes")
        assert attested.status_code == 200 and "正在办理：欧**" in attested.text
        log = window.get(f"{platform}/my/data-log")
        row = next(r for r in log.text.split("<tr>") if "窗口人证核验" in r)
        assert "窗口人员当面核验一致" in row and f"窗口人员 {CLERK_NAME}（福州市政务服务中心（演示））" in row
        assert "人脸" not in row  # no photo was taken or sent


def test_a_kiosk_is_no_window_a_window_is_no_kiosk_and_an_expired_card_is_refused(live: Systems) -> None:
    platform, sandbox = live.settings.base_url("platform"), live.settings.base_url("sandbox")
    with httpx.Client(timeout=20) as window:
        clerk_sign_in(window, platform)
        kiosk_terminal_start(window, sandbox, "kiosk")  # the wrong kind of device agent
        home = window.get(f"{platform}/counter/")
        assert 'id="counter-no-window"' in home.text
        kiosk_card_place(sandbox, NUMBER, kind="kiosk")
        reading = kiosk_card_read(window, platform, sandbox, "kiosk")
        refused = walk_in(window, platform, sandbox, card=reading)
        assert refused.status_code == 403 and "尚未启用" in refused.text

        kiosk_terminal_start(window, sandbox, "window")
        assert window.get(f"{platform}/kiosk").status_code == 403  # a window's browser is no kiosk
        kiosk_card_place(sandbox, NUMBER, expired=True, kind="window")
        expired = walk_in(window, platform, sandbox)
        assert (
            expired.status_code == 400
            and "已过有效期" in expired.text
            and 'id="counter-form"' in expired.text
        )
        forged = walk_in(window, platform, sandbox, card={**reading, "terminal_id": "WINDOW-DEMO-01"})
        assert forged.status_code == 400 and "读取的信息无效" in forged.text


def test_a_draft_that_cannot_be_submitted_yet_gets_a_printed_one_time_notice(live: Systems) -> None:
    platform, sandbox = live.settings.base_url("platform"), live.settings.base_url("sandbox")
    with httpx.Client(timeout=20) as window:
        serve_at_window(window, platform, sandbox)
        draft_id = draft_started(window, platform)
        check = window.get(f"{platform}/drafts/{draft_id}/check")
        missing = re.findall(r"<li><a href=\"[^\"]*\">请填写([^<]+)</a></li>", check.text)
        assert missing and 'id="counter-outstanding"' in check.text
        notice = window.get(f"{platform}/counter/drafts/{draft_id}/outstanding.pdf")
        assert notice.status_code == 200 and notice.headers["content-type"] == "application/pdf"
        assert notice.headers["content-disposition"].startswith("inline")  # opens to print at the window
        text = re.sub(r"\s", "", pdf_text(notice.content))
        assert "一次性告知书" in text and "申请人：欧***" in text and NAME not in text
        assert f"经办人：{CLERK_NAME}" in text and "福州市政务服务中心（演示）" in text
        assert all(re.sub(r"\s", "", f"{item}：尚未提供") in text for item in missing), (missing, text)
        assert "无需重新填写" in text and "连续30天没有改动将被删除" in text

        # Online, nobody is a clerk: the notice is the window's.
        window.post(f"{platform}/counter/next", data={"csrf_token": csrf_of(check.text)})
        assert window.get(
            f"{platform}/counter/drafts/{draft_id}/outstanding.pdf", follow_redirects=True
        ).url.path.endswith("/counter/")
    with httpx.Client(timeout=20) as online:
        applicant_sign_in(online, platform, id_number=NUMBER)
        assert 'id="counter-outstanding"' not in online.get(f"{platform}/drafts/{draft_id}/check").text
        refused = online.get(f"{platform}/counter/drafts/{draft_id}/outstanding.pdf", follow_redirects=True)
        assert refused.url.path.endswith("/counter/login") and refused.headers["content-type"].startswith(
            "text/html"
        )


ELDER, ELDER_NUMBER = "林秀珠", "350103195105060200"  # 特困, 75: her son-in-law applies for her
AGENT, AGENT_NUMBER = "张伟", "350103198007190558"


def test_an_agent_applies_for_someone_who_cannot_come(live: Systems) -> None:
    platform, sandbox = live.settings.base_url("platform"), live.settings.base_url("sandbox")
    with httpx.Client(timeout=30) as window:
        clerk_sign_in(window, platform)
        kiosk_terminal_start(window, sandbox, "window")
        kiosk_card_place(sandbox, AGENT_NUMBER, kind="window")  # the agent at the window is identified first
        page = walk_in(window, platform, sandbox, party="agent", method="attest", agree=None, attested="yes")
        assert page.url.path.endswith("/counter/agency") and "代办人：张*（已核验）" in page.text

        def agency_post(**fields: object) -> httpx.Response:
            form = window.get(f"{platform}/counter/agency")
            reading = kiosk_card_read(window, platform, sandbox, "window")
            data = {"csrf_token": csrf_of(form.text), "card": json.dumps(reading), **fields}
            files = {"basis_proof": ("委托书.png", PNG, "image/png")} if fields.pop("scan", True) else None
            return window.post(
                f"{platform}/counter/agency",
                data={k: str(v) for k, v in data.items() if k != "scan"},
                files=files,
                follow_redirects=True,
            )

        same = agency_post(basis="entrusted")  # the agent's own card is still on the reader
        assert same.status_code == 400 and "代办人本人的身份证" in same.text
        kiosk_card_place(sandbox, ELDER_NUMBER, kind="window")
        no_basis = agency_post()
        assert no_basis.status_code == 400 and "请选择代办依据" in no_basis.text
        no_scan = agency_post(basis="entrusted", scan=False)
        assert no_scan.status_code == 400 and "委托书：请选择要上传的证明文件" in no_scan.text
        tasks = agency_post(basis="entrusted")
        assert tasks.status_code == 200, tasks.text[-600:]
        assert "正在办理：林**（代办人：张*）" in tasks.text.split("</nav>")[0]

        # The consents are still hers, conveyed by the agent before the clerk.
        link = re.search(r'href="([^"]*/members/\d+/consent)"', tasks.text)
        assert link
        consent_page = window.get(httpx.URL(platform + "/").join(link.group(1)))
        assert "代办人已听取告知，代申请人当面确认同意" in consent_page.text
        number, _done = own_hukou_consent_and_submit(
            window, platform, consent_extra={"witnessed": "yes"}, phone="13912345678"
        )
        receipt = pdf_text(window.get(f"{platform}/applications/{number}/receipt.pdf").content)
        assert re.search(rf"由\s*{AGENT}\s*于", receipt)  # the agent signed, as her agent
        with live.runtimes["platform"].db.transaction() as session:
            application = session.scalar(select(Application).where(Application.application_no == number))
            assert application is not None and application.channel == "counter"
            agency = session.scalar(select(Agency).where(Agency.application_id == application.id))
            assert agency is not None and agency.basis == "entrusted" and agency.clerk.startswith("clerk:")
            given = session.scalars(select(Consent).where(Consent.application_id == application.id)).all()
            assert given and all(c.agency_id == agency.id and c.witnessed_by == agency.clerk for c in given)
            scan = session.get(ProofUpload, agency.proof_id)
            assert (
                scan is not None
                and scan.purpose == "agency"
                and scan.filename.startswith("委托书（委托代办，代办人 张*）")
            )
            documents = signed_documents_of(
                session=session, application_id=application.id, cipher=live.runtimes["platform"].cipher
            )
        body = json.loads(next(d for d in documents if d.kind == "application").content)
        assert body["applicant"]["name"] == ELDER
        assert body["agent"] == {
            "name": AGENT,
            "id_number": AGENT_NUMBER,
            "basis": "委托代办",
            "hukou_book_relation": None,
        }
        mine = window.get(f"{platform}/consents")
        assert "由代办人 张* 代为转达" in mine.text

    # Housing's reviewer sees who applied for her, on what basis, and the scanned 委托书.
    live.runtimes["platform"].outbox_worker().run_once()
    housing = live.settings.base_url("housing")
    with httpx.Client(timeout=20) as staff:
        staff_sign_in(staff, housing, username="shouli.350100")
        case = staff.get(f"{housing}/staff/cases/{number}")
        assert case.status_code == 200, case.text[-500:]
        assert "张*（委托代办" in case.text.split('id="case-agent">')[1].split("</td>")[0]
        assert "户籍登记：申请人的户籍信息未查询到，无法对照" in case.text  # no 户籍 query was made here
        assert "委托书（委托代办，代办人 张*）.png" in case.text and AGENT_NUMBER not in case.text

    # Years later the content is erased (retention): the scanned 委托书 goes, the record of who acted stays.
    with live.runtimes["platform"].db.transaction() as session:
        application = session.scalar(select(Application).where(Application.application_no == number))
        assert application is not None
        retention.application_erase(
            session=session, application=application, actor=retention.RETENTION_ACTOR, channel="system"
        )
    with live.runtimes["platform"].db.transaction() as session:
        agency = session.scalar(select(Agency).where(Agency.application_id == application.id))
        assert agency is not None and agency.proof_id is None and agency.basis == "entrusted"
        assert not session.scalars(
            select(ProofUpload).where(ProofUpload.application_id == application.id)
        ).all()


def test_a_clerk_opens_only_the_drafts_of_the_person_identified_at_their_window(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=20) as online:  # a resident's draft, started online
        form = applicant_sign_in(online, platform, id_number=NUMBER)
        draft_id = int(re.search(r"/drafts/(\d+)", str(form.url)).group(1))  # type: ignore[union-attr]
    with httpx.Client(timeout=20) as window:
        clerk_sign_in(window, platform, username="chuangkou.350200")  # a clerk in 厦门, nobody identified
        for page in (
            f"/drafts/{draft_id}",
            f"/drafts/{draft_id}/check",
            f"/drafts/{draft_id}/sections/application",
        ):
            seen = window.get(f"{platform}{page}", follow_redirects=True)
            assert (
                seen.url.path.endswith("/counter/") and "欧**" not in seen.text and NAME not in seen.text
            ), page
        notice = window.get(f"{platform}/counter/drafts/{draft_id}/outstanding.pdf", follow_redirects=True)
        assert notice.url.path.endswith("/counter/") and notice.headers["content-type"].startswith(
            "text/html"
        )


def test_when_the_windows_sign_in_runs_out_mid_form_nothing_typed_is_lost(live: Systems) -> None:
    platform, sandbox = live.settings.base_url("platform"), live.settings.base_url("sandbox")
    with httpx.Client(timeout=20) as window:
        serve_at_window(window, platform, sandbox)
        draft_id = draft_started(window, platform)
        section = f"{platform}/drafts/{draft_id}/sections/application"
        page = window.get(section)
        window.post(
            section,
            data={"csrf_token": csrf_of(page.text), "a.city_code": "350100", "a.district_code": "350104"},
        )
        runtime = live.runtimes["platform"]
        with runtime.db.transaction() as session:  # the window left alone past the idle limit
            session.execute(delete(runtime.sessions.table))
        stale = window.post(section, data={"csrf_token": csrf_of(page.text), "a.district_code": "350102"})
        assert stale.status_code == 403 and "您已保存的内容没有丢失" in stale.text
        back = window.get(section, follow_redirects=True)
        assert back.url.path.endswith("/counter/login") and 'id="session-expired"' in back.text
        assert "申请人已填写的内容都已保存" in back.text and "统一身份认证" not in back.text

        clerk_sign_in(window, platform)  # the clerk again, the same person again: her answers are there
        walk_in(window, platform, sandbox, method="attest", agree=None, attested="yes")
        again = window.get(section)
        assert re.search(r'<option value="350104"[^>]*selected', again.text), again.text[-2000:]


def test_a_page_changed_elsewhere_is_not_overwritten_by_a_stale_copy(live: Systems) -> None:
    platform, sandbox = live.settings.base_url("platform"), live.settings.base_url("sandbox")
    with httpx.Client(timeout=20) as phone, httpx.Client(timeout=20) as window:
        form = applicant_sign_in(phone, platform, id_number=NUMBER)  # she started on her phone
        draft_id = re.search(r"/drafts/(\d+)", str(form.url)).group(1)  # type: ignore[union-attr]
        section = f"{platform}/drafts/{draft_id}/sections/application"
        on_phone = phone.get(section)
        serve_at_window(window, platform, sandbox)
        at_window = window.get(section)
        saved = window.post(section, data={**page_answers(at_window.text, {"district_code": "350104"})})
        assert saved.status_code == 303  # the window saved 仓山区

        stale = phone.post(section, data=page_answers(on_phone.text, {"district_code": "350102"}))
        assert stale.status_code == 409 and "这一页刚刚在别处被修改过" in stale.text
        assert re.search(r'<option value="350102"[^>]*selected', stale.text)  # what she typed is still shown
        kept = window.get(section)
        assert re.search(r'<option value="350104"[^>]*selected', kept.text)  # the window's answer stands
        again = phone.post(section, data=page_answers(stale.text, {"district_code": "350102"}))
        assert again.status_code == 303  # seen and saved deliberately: now hers stands
        assert re.search(r'<option value="350102"[^>]*selected', window.get(section).text)


def test_a_missing_proof_is_promised_at_the_window_and_the_promise_reaches_housing(live: Systems) -> None:
    """容缺受理: the 社保 register cannot answer and she has not brought the paper; the city allows it to
    follow, so the clerk records her promise, she signs it with the application, and housing's reviewer
    sees the material and its due date counted from the day the case arrived."""
    platform, sandbox = live.settings.base_url("platform"), live.settings.base_url("sandbox")
    assert httpx.put(f"{sandbox}/admin/faults/social_insurance", json={"error_rate": 1.0}).status_code == 200
    try:
        with httpx.Client(timeout=30) as window:
            serve_at_window(window, platform, sandbox)
            draft_id = draft_started(window, platform)
            consent = own_consent(window, platform, draft_id, ["hukou", "social_insurance"])
            queried = window.post(
                f"{platform}/drafts/{draft_id}/backfill", data={"csrf_token": csrf_of(consent.text)}
            )
            assert queried.status_code == 303
            preview = window.get(f"{platform}/drafts/{draft_id}/preview")
            ids = dict(re.findall(r'<section class="card" id="result-(\d+)">\s*<h2>([^ ]+) ·', preview.text))
            by_name = {name: int(rid) for rid, name in ids.items()}
            insurance, hukou = by_name["社会保险参保缴费信息"], by_name["户籍信息"]
            # Before the area is chosen, the window cannot know whose rule applies.
            assert "请先在申请表中选择申请地区" in preview.text.split(f'id="result-{insurance}"')[1]
            first = window.get(f"{platform}/drafts/{draft_id}/sections/application")
            window.post(
                f"{platform}/drafts/{draft_id}/sections/application",
                data=page_answers(first.text, {}),
                follow_redirects=True,
            )
            preview = window.get(f"{platform}/drafts/{draft_id}/preview")
            assert f'id="promise-form-{insurance}"' in preview.text
            assert "在 5 个工作日内补交（容缺受理的材料范围和期限待核实）" in preview.text
            assert f'id="promise-form-{hukou}"' not in preview.text

            def promise(result_id: int, **extra: str) -> httpx.Response:
                return window.post(
                    f"{platform}/drafts/{draft_id}/preview/{result_id}/promise",
                    data={"csrf_token": csrf_of(preview.text), **extra},
                    follow_redirects=True,
                )

            refused = promise(hukou)
            assert refused.status_code == 400 and "不在本市可容缺受理的材料范围内" in refused.text
            marriage = by_name["婚姻登记信息"]  # not authorised, so never asked: nothing to promise
            assert f'id="promise-form-{marriage}"' not in preview.text
            unasked = promise(marriage)
            assert unasked.status_code == 400 and "未经授权查询" in unasked.text
            promised = promise(insurance)
            assert promised.status_code == 200 and f'id="promise-{insurance}"' in promised.text
            assert "5 个工作日内补交社保缴费证明、劳动合同复印件" in promised.text
            assert promise(insurance, withdraw="1").status_code == 200  # taken back, then given again
            assert f'id="promise-{insurance}"' not in window.get(f"{platform}/drafts/{draft_id}/preview").text
            promise(insurance)

            form = window.get(f"{platform}/drafts/{draft_id}/sections/application")
            check = fill_until_check(window, platform, form.text, phone="13912345678")
            assert "容缺受理承诺" in check.text
            assert "欧***的社保缴费证明、劳动合同复印件" in check.text
            unsigned = window.post(
                f"{platform}/drafts/{draft_id}/check", data={"csrf_token": csrf_of(check.text)}
            )
            assert unsigned.status_code == 400 and "请申请人在签名板上签名" in unsigned.text
            # The window's devices unplugged mid-application: a clear message, and nothing typed is lost.
            bound = window.cookies.get(terminals.COOKIE)
            window.cookies.delete(terminals.COOKIE)
            unplugged = window.post(
                f"{platform}/drafts/{draft_id}/check",
                data={
                    "csrf_token": csrf_of(check.text),
                    "handwriting": pad_signature(window, platform, check.text),
                },
            )
            assert unplugged.status_code == 400 and "本窗口的设备尚未启用或已断开" in unplugged.text
            assert "已填写的内容都已保存" in unplugged.text and "欧***的社保缴费证明" in unplugged.text
            window.cookies.set(terminals.COOKIE, str(bound))
            reading = json.loads(pad_signature(window, platform, check.text))
            forged = {**reading, "image": base64.b64encode(scanned_png()).decode()}  # not what the pad signed
            refused = window.post(
                f"{platform}/drafts/{draft_id}/check",
                data={"csrf_token": csrf_of(check.text), "handwriting": json.dumps(forged)},
            )
            assert refused.status_code == 400 and "签名板传来的内容无效" in refused.text
            signature = pad_signature(window, platform, check.text)
            done = window.post(
                f"{platform}/drafts/{draft_id}/check",
                data={"csrf_token": csrf_of(check.text), "handwriting": signature},
                follow_redirects=True,
            )
            assert "申请已提交" in done.text, done.text[-600:]
            number = re.search(r'id="application-no">([^<]+)<', done.text).group(1).strip()  # type: ignore[union-attr]
            receipt = re.sub(
                r"\s", "", pdf_text(window.get(f"{platform}/applications/{number}/receipt.pdf").content)
            )
            assert "容缺受理承诺" in receipt and "欧***的社保缴费证明、劳动合同复印件" in receipt
            with live.runtimes["platform"].db.transaction() as session:
                documents = signed_documents_of(
                    session=session, application_id=draft_id, cipher=live.runtimes["platform"].cipher
                )
            body = json.loads(next(d for d in documents if d.kind == "application").content)
            image = base64.b64decode(json.loads(signature)["image"])
            assert body["handwritten"] == {
                "sm3": sm3_hex(image),
                "how": "窗口签名板",
                "terminal_id": "WINDOW-DEMO-01",
            }  # the e-signature binds the handwriting
            assert body["deferred_proofs"] == [
                {
                    "source": "social_insurance",
                    "material": "社保缴费证明、劳动合同复印件",
                    "id_number": NUMBER,
                    "limit": 5,
                    "unit": "workdays",
                }
            ]
    finally:
        httpx.delete(f"{sandbox}/admin/faults")

    # Online, nobody stands before a clerk: there is no 容缺受理 to offer or to post.
    with httpx.Client(timeout=20) as online:
        applicant_sign_in(online, platform, id_number=NUMBER)
        started = draft_started(online, platform)
        tasks = online.get(f"{platform}/drafts/{started}")
        posted = online.post(
            f"{platform}/drafts/{started}/preview/{insurance}/promise",
            data={"csrf_token": csrf_of(tasks.text)},
        )
        assert posted.status_code == 404 and "容缺受理只在政务服务中心窗口办理" in posted.text

    live.runtimes["platform"].outbox_worker().run_once()
    housing = live.settings.base_url("housing")
    with httpx.Client(timeout=20) as staff:
        staff_sign_in(staff, housing, username="shouli.350100")
        case = staff.get(f"{housing}/staff/cases/{number}")
        assert case.status_code == 200, case.text[-500:]
        assert "手写签名（窗口签名板）.png" in case.text  # the pad's capture travels with the case
        deferred = case.text.split('id="case-deferred">')[1].split("</td>")[0]
        received = today_shanghai()
        due = deadlines.due_after(received, limit=5, unit="workdays", provisional=True)
        assert f"欧***的社保缴费证明、劳动合同复印件：申请人承诺 {due} 前补交" in deferred, deferred
        # She brings the paper: the reviewer records it once, and the promise reads as kept.
        brought = staff.post(
            f"{housing}/staff/cases/{number}/deferred/0/received",
            data={"csrf_token": csrf_of(case.text)},
            follow_redirects=True,
        )
        kept = brought.text.split('id="case-deferred">')[1].split("</td>")[0]
        assert "已补交" in kept and "登记已补交" not in kept, kept
        nothing = staff.post(
            f"{housing}/staff/cases/{number}/deferred/5/received", data={"csrf_token": csrf_of(case.text)}
        )
        assert nothing.status_code == 400 and "没有这项容缺材料" in nothing.text


def test_where_the_window_signs_on_paper_the_printed_form_is_signed_and_scanned_back(
    tmp_path: Path, keys_dir: Path
) -> None:
    """counter_handwriting = "paper": the clerk prints the application as it stands, the person signs it,
    the 高拍仪 scans it back, and the scan goes with the case, bound into the e-signed application."""
    with serving(tmp_path, keys_dir, counter_handwriting="paper") as live:
        platform, sandbox = live.settings.base_url("platform"), live.settings.base_url("sandbox")
        with httpx.Client(timeout=30) as window:
            serve_at_window(window, platform, sandbox)
            draft_id = draft_started(window, platform)
            granted = own_consent(window, platform, draft_id, ["hukou"])
            check = fill_until_check(window, platform, open_draft_form(window, platform, granted).text)
            assert 'id="signing-form"' in check.text and "data-signature-pad" not in check.text
            form = window.get(f"{platform}/counter/drafts/{draft_id}/signing-form.pdf")
            assert form.status_code == 200 and form.headers["content-disposition"].startswith("inline")
            text = re.sub(r"\s", "", pdf_text(form.content))
            assert "福建省公共租赁住房申请表" in text and f"草稿编号：{draft_id}" in text
            assert "申请人（代办人）签名" in text and "欧***" in text and NUMBER not in text

            def submit(**files: tuple[str, bytes, str]) -> httpx.Response:
                return window.post(
                    f"{platform}/drafts/{draft_id}/check",
                    data={"csrf_token": csrf_of(check.text)},
                    files=files or {"nothing": ("", b"", "application/octet-stream")},
                    follow_redirects=True,
                )

            unsigned = submit()
            assert unsigned.status_code == 400 and "高拍仪下扫描" in unsigned.text
            wrong = submit(handwriting_scan=("签字页.txt", b"not a scan", "text/plain"))
            assert wrong.status_code == 400 and "PDF、JPG 或 PNG" in wrong.text
            scan = httpx.post(f"{sandbox}/devices/window/local/scanner/capture").content
            done = submit(handwriting_scan=("窗口扫描.jpg", scan, "image/jpeg"))
            assert "申请已提交" in done.text, done.text[-600:]
            with live.runtimes["platform"].db.transaction() as session:
                kept = session.scalars(
                    select(ProofUpload).where(
                        ProofUpload.application_id == draft_id, ProofUpload.purpose == "signature"
                    )
                ).all()
                assert [(p.filename, p.on_paper, p.digest) for p in kept] == [
                    ("手写签名（纸质申请表签字后扫描）.jpg", True, sm3_hex(scan))
                ]
                documents = signed_documents_of(
                    session=session, application_id=draft_id, cipher=live.runtimes["platform"].cipher
                )
            body = json.loads(next(d for d in documents if d.kind == "application").content)
            assert body["handwritten"]["sm3"] == sm3_hex(scan)
            assert body["handwritten"]["how"] == "纸质申请表签字后扫描"


def test_a_co_applicant_at_the_window_authorises_in_person_with_their_own_card(live: Systems) -> None:
    """His wife came with him: she need not sign in on a phone. Her own card on the reader, the clerk's
    check, then her consent page — the consent hers, given before the clerk, not his for her."""
    platform, sandbox = live.settings.base_url("platform"), live.settings.base_url("sandbox")
    seed_family(live.runtimes["sandbox"])
    with httpx.Client(timeout=30) as window:
        clerk_sign_in(window, platform)
        kiosk_terminal_start(window, sandbox, "window")
        kiosk_card_place(sandbox, HUSBAND, kind="window")
        walk_in(window, platform, sandbox, method="attest", agree=None, attested="yes")
        draft_id = draft_started(window, platform)
        granted = own_consent(window, platform, draft_id, ["hukou"])
        window.post(f"{platform}/drafts/{draft_id}/backfill", data={"csrf_token": csrf_of(granted.text)})
        members_page = window.get(f"{platform}/drafts/{draft_id}/household")
        tasks = window.post(
            f"{platform}/drafts/{draft_id}/household",
            data={"csrf_token": csrf_of(members_page.text), "member": [WIFE]},
            follow_redirects=True,
        )
        present = re.search(r'href="[^"]*/counter/drafts/\d+/members/(\d+)/present"', tasks.text)
        assert present and "本人在窗口，当面授权" in tasks.text
        wife_member = int(present.group(1))
        # The hukou book an agent's claim is read against: who is in it, and as what.
        with live.runtimes["platform"].db.transaction() as session:
            draft = session.get(Application, draft_id)
            cipher = live.runtimes["platform"].cipher
            assert draft is not None
            assert (
                household.hukou_book_relation(session=session, draft=draft, id_number=CHILD, cipher=cipher)
                == "子女"
            )
            assert (
                household.hukou_book_relation(session=session, draft=draft, id_number=WIFE, cipher=cipher)
                == "配偶"
            )
            assert (
                household.hukou_book_relation(
                    session=session, draft=draft, id_number=AGENT_NUMBER, cipher=cipher
                )
                == ""
            )
        own_member = int(re.findall(r"/members/(\d+)/consent", tasks.text)[0])
        assert (
            window.get(f"{platform}/counter/drafts/{draft_id}/members/{own_member}/present").status_code
            == 404
        )

        # His card is still on the reader: it is not hers.
        page = f"/counter/drafts/{draft_id}/members/{wife_member}/present"
        wrong = card_and_face_post(
            window, platform, sandbox, kind="window", page=page, action=page, method="attest", attested="yes"
        )
        assert wrong.status_code == 400 and "不是这位家庭成员的" in wrong.text
        # Nor may he open her consent page as if he were her.
        assert window.get(f"{platform}/drafts/{draft_id}/members/{wife_member}/consent").status_code == 404

        done = member_authorises_at_window(window, platform, sandbox, id_number=WIFE, sources=["hukou"])
        assert done.url.path.endswith(f"/drafts/{draft_id}") and "授权已记录" in done.text
        assert f'id="present-{wife_member}"' not in done.text  # her part is done
        # The present member's standing ends with her consent: her page is his no more.
        assert window.get(f"{platform}/drafts/{draft_id}/members/{wife_member}/consent").status_code == 404
    with live.runtimes["platform"].db.transaction() as session:
        hers = session.scalars(select(Consent).where(Consent.member_id == wife_member)).all()
        wife = session.scalar(
            select(Applicant).where(
                Applicant.id_number_bidx
                == live.runtimes["platform"].blind_index.digest(WIFE, kind="id_number")
            )
        )
        assert wife is not None and [(c.source, c.granted_by, c.channel, c.agency_id) for c in hers] == [
            ("hukou", wife.subject, "counter", None)
        ]
        assert hers[0].witnessed_by is not None and hers[0].witnessed_by.startswith("clerk:")
        check = session.scalars(
            select(DataAccessLog).where(
                DataAccessLog.subject_bidx == wife.id_number_bidx, DataAccessLog.source == "window_check"
            )
        ).all()
        assert [c.actor for c in check] == [hers[0].witnessed_by]  # the clerk's check, on her own log
