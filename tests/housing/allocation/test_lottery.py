"""The draw anyone can re-run (issue 19): frozen list and commitment, then the seed and the revealed value,
then the order — each step once, in order, by a city administrator; the same order again from the published
inputs alone, by the documented algorithm (docs/interfaces/lottery.md's example is checked here)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anju.cli import app as cli
from anju.housing.allocation import lottery
from tests.conftest import Systems
from tests.housing.allocation.test_waitlist import waiting
from tests.housing.staff.test_permissions_staff_scope import sign_in
from tests.support.journey import csrf_of
from tests.support.signed import signed_get

DOC = Path(__file__).parents[3] / "docs" / "interfaces" / "lottery.md"


def test_the_documented_example_is_what_the_code_draws() -> None:
    doc = DOC.read_text(encoding="utf-8")
    text = re.search(r"```\n(# ANJU-LOTTERY-V1\n.*?)```", doc, re.S).group(1)  # type: ignore[union-attr]
    facts = dict(
        re.findall(
            r"^\| (list SM3|sealed value \(revealed\)|commitment[^|]*|seed|key) \| `([^`]+)` \|", doc, re.M
        )
    )
    digest, sealed = facts["list SM3"], facts["sealed value (revealed)"]
    assert lottery.list_digest(text) == digest
    assert lottery.commitment(sealed) == facts["commitment (published at freezing)"]
    assert lottery.draw_key(sealed=sealed, seed=facts["seed"], digest=digest).hex() == facts["key"]
    order = lottery.rerun(text=text, seed=facts["seed"], sealed=sealed, digest=digest)
    assert "Order drawn: **" + ", ".join(map(str, order)) + "**" in doc


def test_every_order_can_come_out_and_the_same_inputs_give_the_same_order() -> None:
    seen = {
        tuple(lottery.draw_order(count=3, key=lottery.draw_key(sealed="ab" * 32, seed=str(n), digest="d")))
        for n in range(300)
    }
    assert seen == {(1, 2, 3), (1, 3, 2), (2, 1, 3), (2, 3, 1), (3, 1, 2), (3, 2, 1)}
    key = lottery.draw_key(sealed="ab" * 32, seed="x", digest="d")
    assert lottery.draw_order(count=200, key=key) == lottery.draw_order(count=200, key=key)
    assert sorted(lottery.draw_order(count=200, key=key)) == list(range(1, 201))
    assert lottery.draw_order(count=1, key=key) == [1]


def test_a_rerun_refuses_inputs_that_are_not_what_was_published() -> None:
    text = lottery.list_text(
        [lottery.Candidate(1, "林**", "鼓楼区", 1), lottery.Candidate(2, "王*", "台江区", 2)]
    )
    sealed = lottery.sealed_value()
    with pytest.raises(ValueError, match="not the published"):
        lottery.rerun(
            text=text + "3\t3\t陈**\t晋安区\t1\n", seed="s", sealed=sealed, digest=lottery.list_digest(text)
        )
    with pytest.raises(ValueError, match="commitment"):
        lottery.rerun(text=text, seed="s", sealed=sealed, committed=lottery.commitment("00" * 32))
    with pytest.raises(ValueError, match="numbered"):
        lottery.list_count("# ANJU-LOTTERY-V1\n2\t1\t林**\t鼓楼区\t1\n")
    with pytest.raises(ValueError, match="first line"):
        lottery.list_count("1\t1\t林**\t鼓楼区\t1\n")


def test_a_draw_step_by_step_and_its_rerun_from_what_was_published(systems: Systems, tmp_path: Path) -> None:
    for n, name in enumerate(("林晓峰", "王𠈌", "陈美华"), start=1):
        waiting(systems, n, name, approved=date(2026, 10, n))
    admin = sign_in(systems, "guanli.350100")
    page = admin.get("/staff/lotteries")
    assert "今天轮候中的全部 3 户" in page.text
    short = admin.post("/staff/lotteries", data={"csrf_token": csrf_of(page.text), "title": "摇号"})
    assert short.status_code == 400 and "4 到 100 个字" in short.text
    frozen = admin.post(
        "/staff/lotteries",
        data={"csrf_token": csrf_of(page.text), "title": "2026年第1批配租摇号"},
        follow_redirects=True,
    )
    assert frozen.status_code == 200 and "尚未公布" in frozen.text
    draw_id = int(str(frozen.url).rsplit("/", 1)[1])
    early = admin.post(f"/staff/lotteries/{draw_id}/draw", data={"csrf_token": csrf_of(frozen.text)})
    assert early.status_code == 409 and "请先公布种子" in early.text
    reviewer = sign_in(systems, "shenhe.350100")
    assert (
        reviewer.post(
            f"/staff/lotteries/{draw_id}/seed",
            data={
                "csrf_token": csrf_of(reviewer.get("/staff/lotteries").text),
                "seed": "1",
                "source": "自己定的种子",
            },
        ).status_code
        == 403
    )

    platform = systems.runtimes["platform"]
    published = signed_get(
        systems.client("housing"), as_system=platform, path=f"/v1/lotteries/350100/{draw_id}"
    ).json()
    assert published["state"] == "frozen" and published["sealed_revealed"] == "" and published["seed"] == ""
    assert "林晓峰" not in published["list_text"] and "350102199203150519" not in published["list_text"]
    commitment = published["sealed_commitment"]

    seeded = admin.post(
        f"/staff/lotteries/{draw_id}/seed",
        data={"csrf_token": csrf_of(frozen.text), "seed": "418305", "source": "福州市某公证处公证员现场抽取"},
        follow_redirects=True,
    )
    assert "418305" in seeded.text and 'id="revealed"' in seeded.text
    again = admin.post(
        f"/staff/lotteries/{draw_id}/seed",
        data={"csrf_token": csrf_of(frozen.text), "seed": "999", "source": "换一个种子试试"},
    )
    assert again.status_code == 409 and "不能更改" in again.text
    drawn = admin.post(
        f"/staff/lotteries/{draw_id}/draw", data={"csrf_token": csrf_of(frozen.text)}, follow_redirects=True
    )
    assert 'id="draw-result"' in drawn.text
    result = drawn.text.split('id="draw-result"')[1].split("</table>")[0]
    # 配租 in the draw's order: each drawn household's case opens from its line, with where it stands now
    assert result.count(">轮候中</a>") == 3 and '/staff/cases/GZF-350100-20260101-000001"' in result

    final = signed_get(
        systems.client("housing"), as_system=platform, path=f"/v1/lotteries/350100/{draw_id}"
    ).json()
    assert final["state"] == "drawn" and final["sealed_commitment"] == commitment
    listed = tmp_path / "list.txt"
    listed.write_bytes(final["list_text"].encode("utf-8"))
    rerun = CliRunner().invoke(
        cli,
        [
            "lottery",
            "rerun",
            str(listed),
            "--seed",
            final["seed"],
            "--revealed",
            final["sealed_revealed"],
            "--sm3",
            final["list_sm3"],
            "--commitment",
            commitment,
        ],
    )
    assert rerun.exit_code == 0, rerun.output
    printed = [line.split("\t")[1] for line in rerun.output.splitlines()[1:]]
    assert printed == [r["line"][0] for r in final["result"]]  # the same order, from the published inputs
    cheat = CliRunner().invoke(
        cli,
        [
            "lottery",
            "rerun",
            str(listed),
            "--seed",
            "418306",
            "--revealed",
            final["sealed_revealed"],
            "--commitment",
            "00" * 32,
        ],
    )
    assert cheat.exit_code == 1 and "commitment" in cheat.output
