"""The guide for one city: this file's standard elements, the materials the registers replace (from the
backfill catalogue), and the conditions, limits and steps housing derives from its rules (signed call)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
import yaml

from anju.core import regions
from anju.core.httpclient import PeerResponseError, SignedClient
from anju.platform.backfill.deferrals import deferral_words
from anju.platform.backfill.sources import source_list

GUIDE_FILE = Path(__file__).with_name("guide.yaml")
FACTS_PATH = "/v1/guide-facts/{city_code}"


@lru_cache(maxsize=1)
def guide_data() -> dict[str, Any]:
    """guide.yaml, as data."""
    data: dict[str, Any] = yaml.safe_load(GUIDE_FILE.read_text(encoding="utf-8"))
    return data


class GuideUnavailable(Exception):
    """Housing could not give the conditions and limits; the guide is not shown half-made."""


def guide_facts(*, client: SignedClient, city_code: str) -> dict[str, Any]:
    """What housing derives from its rules for a city (signed call; raises GuideUnavailable)."""
    try:
        response = client.request(
            method="GET",
            destination="housing",
            path=FACTS_PATH.format(city_code=city_code),
            purpose="生成办事指南",
        )
    except (httpx.HTTPError, PeerResponseError) as exc:
        raise GuideUnavailable(city_code) from exc
    if response.status_code != 200:
        raise GuideUnavailable(city_code)
    facts: dict[str, Any] = response.json()
    return facts


def guide_for(*, client: SignedClient, city_code: str) -> dict[str, Any]:
    """The whole guide of a city (raises GuideUnavailable, KeyError for a city that takes no applications)."""
    if not regions.is_jurisdiction(city_code):
        raise KeyError(city_code)
    facts = guide_facts(client=client, city_code=city_code)
    data = guide_data()
    item = data["item"]
    exempt = [
        {"name": material, "replaced_by": f"{s.department}·{s.name}"}
        for s in source_list().sources.values()
        for material in s.replaces
    ]
    return {
        "version": data["version"],
        "city_code": city_code,
        "city": regions.get(city_code).name,
        "name": item["name"],
        "code": item["code"],
        "type": item["type"],
        "basis": item["basis"],
        "authority": facts["office"],
        "audience": item["audience"],
        "conditions": facts["conditions"],
        "materials": {"exempt": exempt, "needed": item["materials_needed"]},
        "process": [
            *item["steps_before_review"],
            *(s["name"] for s in facts["steps"]),
            *item["steps_after_review"],
        ],
        "limits": facts["steps"],
        "deferral": deferral_words(facts["deferral"]),
        "fee": item["fee"],
        "result": item["result"],
        "forms": item["forms"],
        "place": data["places"].get(city_code, data["default_place"]),
        "consult": item["consult"],
        "complain": item["complain"],
    }
