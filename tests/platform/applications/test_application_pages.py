"""The applicant's pages: clear errors, nothing typed is lost, only one's own applications."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import func, select

from anju.platform.models import Application
from tests.conftest import Systems
from tests.support.journey import (
    applicant_sign_in,
    application_fill_and_submit,
    csrf_of,
    draft_id_of,
    fill_until_check,
    open_draft_form,
)


def application_count(systems: Systems) -> int:
    with systems.runtimes["platform"].db.transaction() as session:
        submitted = select(func.count()).select_from(Application).where(Application.status != "draft")
        return int(session.scalar(submitted) or 0)


def test_every_wrong_answer_is_named_and_linked_and_answers_are_kept(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser:
        form = applicant_sign_in(browser, platform, id_number="350104199011200641")
        page = application_fill_and_submit(
            browser, platform, form.text, city_code="350100", district_code="350203"
        )
        assert page.status_code == 400
        summary = page.text.split('id="error-summary"')[1].split("</div>")[0]
        assert 'href="#a.district_code"' in summary and "请从列表中选择县（市、区）" in summary
        assert '<option value="350100" selected>' in page.text  # the right answer is kept
        for answers, name, words, kept in [
            (
                {"graduated_on": "2024-02-30"},
                "graduated_on",
                "不是有效日期",
                "30",
            ),  # 年 月 日 kept in their boxes
            ({"monthly_income": "-5"}, "monthly_income", "不能为负数", "-5"),
            ({"current_address": "仓山区"}, "current_address", "至少 5 个字", "仓山区"),
            ({"phone": "1380591"}, "phone", "11 位手机号码", "1380591"),
        ]:
            refused = application_fill_and_submit(
                browser,
                platform,
                open_draft_form(
                    browser, platform, browser.get(f"{platform}/applications/new", follow_redirects=True)
                ).text,
                **answers,
            )
            assert refused.status_code == 400, name
            assert (
                words in refused.text
                and f'.{name}"' in refused.text.split('id="error-summary"')[1].split("</div>")[0]
            )
            assert f'value="{kept}"' in refused.text  # what was typed is still in the box
        pledge = application_fill_and_submit(
            browser,
            platform,
            open_draft_form(
                browser, platform, browser.get(f"{platform}/applications/new", follow_redirects=True)
            ).text,
            pledge="",
        )
        assert pledge.status_code == 400 and "请勾选诚信承诺" in pledge.text
    assert application_count(live) == 0


def test_missing_csrf_token_is_refused_with_an_explanation(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser:
        form = applicant_sign_in(browser, platform, id_number="350104199011200641")
        page = application_fill_and_submit(browser, platform, form.text, csrf_token="")
        assert page.status_code == 403
        assert "csrf_invalid" in page.text and "重新提交" in page.text
        assert application_count(live) == 0
        # Still signed in: the form opens again and the next submission succeeds.
        again = open_draft_form(
            browser, platform, browser.get(f"{platform}/applications/new", follow_redirects=True)
        )
        assert again.status_code == 200 and "申请地区" in again.text
        done = application_fill_and_submit(browser, platform, again.text)
        assert "申请已提交" in done.text
    assert application_count(live) == 1


def test_real_name_level_below_face_verification_cannot_submit(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser:
        form = applicant_sign_in(browser, platform, id_number="350503197801010339")  # level 2
        check = fill_until_check(browser, platform, form.text, city_code="350500", district_code="350503")
        # Said before the button, in place of it: the face check comes first.
        submit_area = check.text.split('id="submit"')[1]
        assert "提交申请需要完成人脸识别" in submit_area and "进行人脸识别" in submit_area
        assert "确认并提交申请</button>" not in check.text
        tasks = browser.get(f"{platform}/drafts/{draft_id_of(check)}")
        assert 'id="face-needed-task"' in tasks.text
        # Posting anyway is refused, said once, and every answer is kept for after verification.
        page = browser.post(str(check.url), data={"csrf_token": csrf_of(check.text)}, follow_redirects=True)
    assert page.status_code == 403
    assert page.text.count("提交申请需要完成人脸识别") == 1
    assert "鼓楼区五四路 123 号 3 栋 502" in page.text
    assert application_count(live) == 0


def test_an_applicant_sees_only_their_own_applications(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as first:
        form = applicant_sign_in(first, platform, id_number="350102199203150519")
        done = application_fill_and_submit(first, platform, form.text)
        number = re.search(r'id="application-no">([^<]+)<', done.text).group(1)  # type: ignore[union-attr]
    with httpx.Client(timeout=10) as second:
        applicant_sign_in(second, platform, id_number="350203198507080422")
        other = second.get(f"{platform}/applications/{number}")
        assert other.status_code == 404
        assert "没有找到您名下" in other.text
        home = second.get(f"{platform}/")
        assert home.status_code == 200 and "继续填写" in home.text  # her own draft, not his application
        assert number not in home.text


def test_signed_out_visitors_are_sent_to_sign_in(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser:
        response = browser.get(f"{platform}/applications/new")
        assert response.status_code == 303
        assert response.headers["location"].endswith("/login?next=/applications/new")


def test_wrong_sandbox_password_is_told_and_nothing_signs_in(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser:
        page = applicant_sign_in(browser, platform, id_number="350102199203150519", password="wrong")
        assert page.status_code == 400
        assert "身份证号码或密码不正确" in page.text
        assert 'value="350102199203150519"' in page.text  # the typed ID stays in the box


def test_cancelling_at_the_provider_is_explained(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser:
        login_page = browser.get(f"{platform}/applications/new", follow_redirects=True)
        from tests.support.journey import hidden_fields

        form = hidden_fields(login_page.text)
        form["action"] = "cancel"
        page = browser.post(str(login_page.url).split("?")[0], data=form, follow_redirects=True)
        assert page.status_code == 400
        assert "您取消了登录" in page.text


def test_a_forged_callback_state_is_refused(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser:
        browser.get(f"{platform}/login")  # starts a sign-in, remembers its state
        page = browser.get(f"{platform}/auth/callback", params={"code": "x", "state": "forged"})
        assert page.status_code == 400
        assert "state_mismatch" in page.text


def test_a_mistyped_id_number_is_explained_at_sign_in(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser:
        page = applicant_sign_in(browser, platform, id_number="350102199203150510")  # wrong check digit
        assert page.status_code == 400
        assert "校验位" in page.text
        assert 'value="350102199203150510"' in page.text
        lower_x = applicant_sign_in(browser, platform, id_number="35010519950518019x")  # lower-case x is fine
        assert lower_x.status_code == 200 and "申请地区" in lower_x.text


def test_elderly_mode_is_switchable_from_any_page_and_remembered(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser:
        home = browser.get(f"{platform}/")
        assert "大字版" in home.text and 'class=" elder"' not in home.text
        switched = browser.get(
            f"{platform}/display", params={"mode": "elder", "next": "/"}, follow_redirects=True
        )
        assert 'class=" elder"' in switched.text and "标准版" in switched.text
        assert 'class=" elder"' in browser.get(f"{platform}/").text  # remembered
        outside = browser.get(
            f"{platform}/display", params={"mode": "standard", "next": "https://evil.example/"}
        )
        assert outside.headers["location"] == "/"  # never sent to another site
        assert 'class=" elder"' not in browser.get(f"{platform}/").text


def test_the_error_summary_says_whose_answer_needs_correcting(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser:
        form = applicant_sign_in(browser, platform, id_number="350102199203150519")
        draft = draft_id_of(form)
        page = browser.get(f"{platform}/drafts/{draft}/sections/household")
        refused = browser.post(
            f"{platform}/drafts/{draft}/sections/household", data={"csrf_token": csrf_of(page.text)}
        )
    assert refused.status_code == 400
    summary = refused.text.split('id="error-summary"')[1].split("</ul>")[0]
    assert (
        "（林**（本人））</a>" in summary
    )  # a household page asks about each person: the summary says whose


def test_another_persons_draft_is_not_found_on_every_page_and_nothing_is_changed(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as owner:
        form = applicant_sign_in(owner, platform, id_number="350102199203150519")
        draft_id = draft_id_of(form)
        pages = [f"/drafts/{draft_id}{tail}" for tail in ("", "/household", "/preview", "/check", "/delete")]
        pages += [f"/drafts/{draft_id}/sections/application", f"/drafts/{draft_id}/face"]
        posts = [f"/drafts/{draft_id}{tail}" for tail in ("/delete", "/backfill", "/household", "/check")]
        posts.append(f"/drafts/{draft_id}/sections/application")
    with httpx.Client(timeout=10) as stranger:
        mine = applicant_sign_in(stranger, platform, id_number="350203198507080422")
        token = csrf_of(mine.text)
        for path in pages:
            page = stranger.get(f"{platform}{path}")
            assert page.status_code == 404, path
            assert "找不到这份草稿" in page.text and "没有找到您名下的这份申请草稿" in page.text, path
        for path in posts:
            page = stranger.post(f"{platform}{path}", data={"csrf_token": token})
            assert page.status_code == 404, path
            assert "没有找到您名下的这份申请草稿" in page.text, path
    with live.runtimes["platform"].db.transaction() as session:
        draft = session.get(Application, draft_id)
        assert draft is not None and draft.status == "draft"  # the owner's draft is untouched
