"""A household situation: what the registers said and what the applicant declared (docs/interfaces/eligibility.md).

Every register-sourced field is ``null`` when the register did not answer (unknown) and an explicit value
— an empty list, ``false`` — when it answered with nothing. Money is in fen, areas in hundredths of a
square metre, dates ISO 8601: integers decide, never floats.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from anju.core import regions

Fen = int
EDUCATION_LEVELS = ("中专", "大专", "本科", "硕士", "博士")


class Place(BaseModel):
    """Where and since when (hukou)."""

    model_config = ConfigDict(extra="forbid")

    city_code: str = Field(pattern=r"^\d{6}$", description="the county or city code; its jurisdiction counts")
    since: date


class Permit(BaseModel):
    """A residence permit (居住证)."""

    model_config = ConfigDict(extra="forbid")

    city_code: str = Field(pattern=r"^\d{6}$")
    since: date
    valid_until: date


class Degree(BaseModel):
    """A degree on record at 学信网."""

    model_config = ConfigDict(extra="forbid")

    level: Literal["中专", "大专", "本科", "硕士", "博士"]
    full_time: bool
    graduated_on: date


class Contribution(BaseModel):
    """A month with a social-insurance contribution."""

    model_config = ConfigDict(extra="forbid")

    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    city_code: str = Field(pattern=r"^\d{6}$")
    base_fen: Fen | None = Field(default=None, ge=0, description="the contribution base, if on record")


class Home(BaseModel):
    """A home on the property register (disposed_on set when sold or transferred)."""

    model_config = ConfigDict(extra="forbid")

    city_code: str = Field(pattern=r"^\d{6}$")
    area_centi_m2: int = Field(ge=0, description="building area in hundredths of m²")
    acquired_on: date | None = Field(default=None, description="when it became the member's; null: long ago")
    disposed_on: date | None = None

    def owned_on(self, day: date) -> bool:
        """Whether the home was the member's on ``day``: acquired by then and not yet sold or transferred."""
        acquired = self.acquired_on is None or self.acquired_on <= day
        return acquired and (self.disposed_on is None or self.disposed_on > day)


class Assistance(BaseModel):
    """A 低保 or 特困 status."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["低保", "特困"]
    city_code: str = Field(pattern=r"^\d{6}$")
    valid_until: date


class Member(BaseModel):
    """One person of the household (the applicant first, relation 本人)."""

    model_config = ConfigDict(extra="forbid")

    relation: Literal["本人", "配偶", "子女", "父母", "其他"]
    birth_date: date
    marital_status: Literal["未婚", "已婚", "离婚", "丧偶"] | None = None
    monthly_income_fen: Fen | None = Field(default=None, description="declared; null when not declared")
    hukou: Place | None = None
    residence_permits: list[Permit] | None = None
    degrees: list[Degree] | None = None
    contributions: list[Contribution] | None = None
    homes: list[Home] | None = None
    assistance: list[Assistance] | None = None
    receiving_housing_assistance: bool | None = Field(
        default=None, description="renting public housing or receiving a rent subsidy now"
    )

    @field_validator("monthly_income_fen")
    @classmethod
    def _not_negative(cls, value: int | None) -> int | None:
        if value is not None and value < 0:
            raise ValueError("收入不能为负数")
        return value


class Declared(BaseModel):
    """Household assets the applicant declared (null when not declared)."""

    model_config = ConfigDict(extra="forbid")

    deposits_fen: Fen | None = Field(default=None, ge=0)
    securities_fen: Fen | None = Field(default=None, ge=0)
    companies_fen: Fen | None = Field(default=None, ge=0, description="registered capital of companies owned")
    vehicles_fen: Fen | None = Field(
        default=None, ge=0, description="purchase value, from the vehicle register"
    )


class Situation(BaseModel):
    """A household, as the evaluator takes it."""

    model_config = ConfigDict(extra="forbid")

    city_code: str = Field(description="the jurisdiction applied to: one of the 9 cities or 350128")
    members: list[Member] = Field(min_length=1, max_length=20)
    declared: Declared = Field(default_factory=Declared)

    @field_validator("city_code")
    @classmethod
    def _jurisdiction(cls, value: str) -> str:
        if not regions.is_jurisdiction(value):
            raise ValueError(f"{value} 不是受理公租房申请的设区市或平潭综合实验区")
        return value

    @model_validator(mode="after")
    def _household(self) -> Situation:
        if self.members[0].relation != "本人":
            raise ValueError("第一位成员必须是申请人本人（relation 本人）")
        if any(m.relation == "本人" for m in self.members[1:]):
            raise ValueError("只能有一位申请人本人")
        if self.members[0].marital_status == "已婚" and not any(m.relation == "配偶" for m in self.members):
            raise ValueError("申请人已婚，配偶必须作为家庭成员共同申请")
        return self
