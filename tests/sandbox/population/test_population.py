"""The synthetic population: deterministic, valid ID numbers, registers consistent with one another,
and the demo households of households.yaml with the hard-case facts exactly as promised."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import text

from anju.core import idcard, regions
from anju.core.db import Database
from anju.sandbox.models import metadata
from anju.sandbox.population import models  # noqa: F401 - registers the tables
from anju.sandbox.population.generator import (
    HOUSEHOLDS_FILE,
    LEVEL_AGE,
    NON_FUJIAN_COUNTIES,
    REFERENCE_DATE,
    RETIREMENT_AGE,
    TABLE_NAMES,
    demo_households_load,
    population_generate,
    population_summary,
)
from anju.sandbox.population.service import personas_load

REF = REFERENCE_DATE
PEOPLE = 3000
SEED = 20261127
FORMER_CODES = {"350112": "350182", "350703": "350784", "350803": "350822", "350404": "350403",
                "350405": "350427", "350604": "350681", "350605": "350625"}  # fmt: skip


def _db(path: Path) -> Database:
    db = Database(f"sqlite:///{path}")
    metadata.create_all(db.engine)
    return db


def _digest(db: Database) -> str:
    """SHA-256 over every row of every population table (without created_at), in id order."""
    h = hashlib.sha256()
    with db.engine.connect() as conn:
        for name in TABLE_NAMES:
            result = conn.execute(text(f"SELECT * FROM {name} ORDER BY id"))  # noqa: S608 - fixed names
            columns = result.keys()  # a result's column names (iterating the result would read its rows)
            keys = [k for k in columns if k != "created_at"]
            for row in result.mappings():
                h.update(repr([row[k] for k in keys]).encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = _db(tmp_path_factory.mktemp("pop") / "p.db")
    population_generate(db=db, people=PEOPLE, seed=SEED)
    yield db
    db.dispose()


class Registers:
    """Everything in the population database, as plain dicts, with lookups."""

    def __init__(self, db: Database) -> None:
        with db.engine.connect() as conn:
            self.tables: dict[str, list[dict[str, Any]]] = {
                name: [dict(r) for r in conn.execute(text(f"SELECT * FROM {name}")).mappings()]  # noqa: S608
                for name in TABLE_NAMES
            }
        for person in self.tables["pop_person"]:
            for key in ("birth_date", "hukou_moved_in"):
                person[key] = date.fromisoformat(str(person[key]))
        date_columns = {
            "reg_residence_permit": ("valid_from", "valid_to"),
            "reg_marriage": ("registered_on",),
            "reg_dibao": ("valid_from", "valid_to"),
            "reg_education": ("graduated_on",),
            "reg_insurance_span": ("first_month", "last_month"),
            "reg_property": ("acquired_on", "disposed_on"),
            "reg_vehicle": ("purchased_on",),
        }
        for table, columns in date_columns.items():
            for row in self.tables[table]:
                for column in columns:
                    if row[column] is not None:
                        row[column] = date.fromisoformat(str(row[column]))
        self.books = {b["id"]: b for b in self.tables["pop_hukou_book"]}
        self.persons = {p["id"]: p for p in self.tables["pop_person"]}
        self.by_number = {p["id_number"]: p for p in self.tables["pop_person"]}
        self.by_persona = {p["persona"]: p for p in self.tables["pop_person"] if p["persona"]}
        self.of: dict[str, dict[int, list[dict[str, Any]]]] = {}
        for name in TABLE_NAMES[2:]:
            grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
            for row in self.tables[name]:
                grouped[row["person_id"]].append(row)
            self.of[name] = grouped

    def hukou_city(self, person: dict[str, Any]) -> str:
        county = self.books[person["book_id"]]["county_code"]
        return jurisdiction(county)


def jurisdiction(county: str) -> str:
    """The Fujian jurisdiction of a county, or the prefecture code of a county elsewhere."""
    try:
        return regions.jurisdiction_of(county).code
    except regions.RegionNotFound:
        return county[:4] + "00"


def county_name(county: str) -> str:
    return NON_FUJIAN_COUNTIES.get(county) or regions.full_name(county)


@pytest.fixture(scope="module")
def reg(population: Database) -> Registers:
    return Registers(population)


# ------------------------------------------------------------------------------------------------
# Facts as eligibility-defaults.md defines them


def grad_months(grad: date, ref: date = REF) -> int:
    return (ref.year * 12 + ref.month) - (grad.year * 12 + grad.month) - 1


def paid_months(spans: list[dict[str, Any]], city: str) -> set[int]:
    months: set[int] = set()
    for span in spans:
        if span["city_code"] != city:
            continue
        first = span["first_month"].year * 12 + span["first_month"].month - 1
        last = span["last_month"].year * 12 + span["last_month"].month - 1
        months.update(range(first, last + 1))
    return months


def insurance_cumulative(spans: list[dict[str, Any]], city: str, ref: date = REF) -> int:
    ref_month = ref.year * 12 + ref.month - 1
    return len(paid_months(spans, city) & set(range(ref_month - 36, ref_month)))


def insurance_continuous(spans: list[dict[str, Any]], city: str, ref: date = REF) -> int:
    months = paid_months(spans, city)
    month, run = ref.year * 12 + ref.month - 2, 0
    while month in months:
        run, month = run + 1, month - 1
    return run


def years_between(start: date, ref: date = REF) -> int:
    return idcard.age_on(start, on=ref)


# ------------------------------------------------------------------------------------------------
# Determinism


def test_same_seed_same_population_and_the_parallel_writer_makes_the_same_rows(
    population: Database, tmp_path: Path
) -> None:
    again = _db(tmp_path / "again.db")
    stats = population_generate(db=again, people=PEOPLE, seed=SEED, parallel=True)
    assert stats.people == PEOPLE
    assert _digest(again) == _digest(population)
    again.dispose()


def test_a_different_seed_gives_a_different_population(population: Database, tmp_path: Path) -> None:
    other = _db(tmp_path / "other.db")
    population_generate(db=other, people=PEOPLE, seed=SEED + 1)
    assert _digest(other) != _digest(population)
    assert population_summary(db=other)["pop_person"] == population_summary(db=population)["pop_person"]
    other.dispose()


def test_generating_again_adds_nothing_and_a_larger_number_only_the_difference(tmp_path: Path) -> None:
    db = _db(tmp_path / "twice.db")
    first = population_generate(db=db, people=400, seed=7)
    demo_count = sum(len(h["members"]) for h in demo_households_load())
    assert (first.people, first.demo_people) == (400, demo_count)
    before = population_summary(db=db)
    second = population_generate(db=db, people=400, seed=7)
    assert (second.people, second.demo_people) == (0, 0)
    assert population_summary(db=db) == before
    third = population_generate(db=db, people=700, seed=7)
    assert (third.people, third.demo_people) == (300, 0)
    registers = Registers(db)
    assert len(registers.by_number) == 700 + demo_count
    assert sum(1 for p in registers.persons.values() if p["persona"] is None) == 700
    assert len({b["book_no"] for b in registers.books.values()}) == len(registers.books)
    db.dispose()


def test_summary_and_stats_count_the_same_rows(population: Database) -> None:
    summary = population_summary(db=population)
    assert set(summary) == set(TABLE_NAMES)
    assert summary["pop_person"] == PEOPLE + sum(len(h["members"]) for h in demo_households_load())
    for name in TABLE_NAMES:
        assert summary[name] > 0, name


# ------------------------------------------------------------------------------------------------
# Persons, ID numbers, households


def test_every_id_number_is_valid_unique_and_agrees_with_the_record(reg: Registers) -> None:
    numbers = [p["id_number"] for p in reg.persons.values()]
    assert len(numbers) == len(set(numbers))
    known_codes = (
        {c.code for j in regions.jurisdictions() for c in regions.counties_of(j.code)}
        | set(FORMER_CODES.values())
        | set(NON_FUJIAN_COUNTIES)
    )
    for person in reg.persons.values():
        parsed = idcard.parse(person["id_number"], today=REF)
        assert parsed.number == person["id_number"]
        assert parsed.birth_date == person["birth_date"]
        assert {"male": "M", "female": "F"}[parsed.sex] == person["sex"]
        assert parsed.address_code in known_codes, person
        assert person["birth_date"] <= person["hukou_moved_in"] <= REF
        if person["relation"] in ("子女", "孙子女"):  # registered where the family's book is
            county = reg.books[person["book_id"]]["county_code"]
            assert parsed.address_code in (county, FORMER_CODES.get(county)), person


def test_books_have_one_head_and_addresses_named_after_real_divisions(reg: Registers) -> None:
    heads: dict[int, int] = defaultdict(int)
    for person in reg.persons.values():
        heads[person["book_id"]] += person["relation"] == "户主"
    assert set(heads.values()) == {1}
    for book in reg.books.values():
        assert book["address"].startswith(county_name(book["county_code"])), book
    assert any(b["county_code"] in NON_FUJIAN_COUNTIES for b in reg.books.values())


def test_households_have_plausible_ages(reg: Registers) -> None:
    members: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for person in reg.persons.values():
        members[person["book_id"]].append(person)
    for people in members.values():
        head = next(p for p in people if p["relation"] == "户主")
        couple = [p for p in people if p["relation"] in ("户主", "配偶")]
        for person in people:
            if person["relation"] == "子女":
                for parent in couple:
                    assert idcard.age_on(parent["birth_date"], on=person["birth_date"]) >= 20
            elif person["relation"] == "父母":
                assert idcard.age_on(person["birth_date"], on=head["birth_date"]) >= 20
            elif person["relation"] == "孙子女":
                assert idcard.age_on(head["birth_date"], on=person["birth_date"]) >= 40
        if len(couple) == 2:
            older, younger = sorted(p["birth_date"] for p in couple)
            assert idcard.age_on(older, on=younger) <= 10


def test_marriages_are_recorded_the_same_way_on_both_sides(reg: Registers) -> None:
    married = 0
    for row in reg.tables["reg_marriage"]:
        person = reg.persons[row["person_id"]]
        assert row["registered_on"] <= REF
        assert row["status"] in ("married", "divorced", "widowed")
        if row["status"] != "married":
            assert row["spouse_id_number"] == ""
            assert idcard.age_on(person["birth_date"], on=row["registered_on"]) >= 20
            continue
        married += 1
        spouse = reg.by_number[row["spouse_id_number"]]
        back = reg.of["reg_marriage"][spouse["id"]]
        assert [(b["status"], b["spouse_id_number"], b["registered_on"]) for b in back] == [
            ("married", person["id_number"], row["registered_on"])
        ]
        assert person["sex"] != spouse["sex"]
        for who in (person, spouse):
            legal = 22 if who["sex"] == "M" else 20
            assert idcard.age_on(who["birth_date"], on=row["registered_on"]) >= legal
    assert married > PEOPLE // 3


def test_education_fits_the_age_and_nothing_is_in_the_future(reg: Registers) -> None:
    for row in reg.tables["reg_education"]:
        person = reg.persons[row["person_id"]]
        age = idcard.age_on(person["birth_date"], on=row["graduated_on"])
        nominal = LEVEL_AGE[row["level"]]
        assert row["graduated_on"] <= REF
        if row["full_time"]:
            assert nominal - 2 <= age <= nominal + 6, (row, person)
            if person["persona"] is None:
                assert row["graduated_on"].month in (6, 7)
        else:
            assert age >= nominal, (row, person)
    levels = {row["level"] for row in reg.tables["reg_education"]}
    assert {"中专", "大专", "本科", "硕士"} <= levels


def test_insurance_only_in_working_years_and_never_after_november_2026(reg: Registers) -> None:
    cities = {j.code for j in regions.jurisdictions()}
    for row in reg.tables["reg_insurance_span"]:
        person = reg.persons[row["person_id"]]
        assert row["first_month"].day == 1 and row["last_month"].day == 1
        assert row["first_month"] <= row["last_month"] <= date(2026, 11, 1)
        assert idcard.age_on(person["birth_date"], on=row["first_month"]) >= 16
        assert idcard.age_on(person["birth_date"], on=row["last_month"]) < RETIREMENT_AGE[person["sex"]]
        assert row["city_code"] in cities
        assert row["base_fen"] > 0
        if person["persona"] is None:
            assert row["first_month"] >= date(1995, 1, 1)


def test_migrants_hold_a_residence_permit_where_they_are_insured(reg: Registers) -> None:
    migrants = 0
    for row in reg.tables["reg_insurance_span"]:
        person = reg.persons[row["person_id"]]
        if row["city_code"] == reg.hukou_city(person):
            continue
        migrants += 1
        permits = reg.of["reg_residence_permit"][person["id"]]
        assert any(
            p["city_code"] == row["city_code"] and p["valid_from"] <= row["last_month"] <= p["valid_to"]
            for p in permits
        ), (person, row, permits)
    assert migrants > 0
    for permit in reg.tables["reg_residence_permit"]:
        person = reg.persons[permit["person_id"]]
        assert permit["valid_from"] < permit["valid_to"]
        assert idcard.age_on(person["birth_date"], on=permit["valid_from"]) >= 16
        assert permit["city_code"] != reg.hukou_city(person)


def test_homes_vehicles_and_assistance_are_consistent(reg: Registers) -> None:
    for home in reg.tables["reg_property"]:
        owner = reg.persons[home["person_id"]]
        assert home["acquired_on"] <= REF
        assert home["disposed_on"] is None or home["acquired_on"] < home["disposed_on"] <= REF
        assert idcard.age_on(owner["birth_date"], on=home["acquired_on"]) >= 18
        assert home["area_centi_m2"] > 0
        assert regions.is_jurisdiction(home["city_code"])
        assert any(
            home["address"].startswith(regions.full_name(c.code))
            for c in regions.counties_of(home["city_code"])
        ), home
    assert any(
        h["disposed_on"] is not None
        for h in reg.tables["reg_property"]
        if reg.persons[h["person_id"]]["persona"] is None
    )
    plates = [v["plate"] for v in reg.tables["reg_vehicle"]]
    assert len(plates) == len(set(plates))
    for vehicle in reg.tables["reg_vehicle"]:
        owner = reg.persons[vehicle["person_id"]]
        assert (
            vehicle["plate"][0] == "闽" and vehicle["plate"][1].isupper() and len(vehicle["plate"]) in (7, 8)
        )
        assert vehicle["purchased_on"] <= REF
        assert idcard.age_on(owner["birth_date"], on=vehicle["purchased_on"]) >= 18
        assert vehicle["purchase_value_fen"] > 0
    for row in reg.tables["reg_dibao"]:
        person = reg.persons[row["person_id"]]
        assert row["kind"] in ("dibao", "tekun")
        assert row["city_code"] == reg.hukou_city(person)
        assert row["valid_from"] <= row["valid_to"]
    random_books = [b for b in reg.books.values() if not b["book_no"].startswith("DEMO-")]
    dibao_books = {
        reg.persons[r["person_id"]]["book_id"] for r in reg.tables["reg_dibao"] if r["kind"] == "dibao"
    } - {b["id"] for b in reg.books.values() if b["book_no"].startswith("DEMO-")}
    assert 0.005 <= len(dibao_books) / len(random_books) <= 0.05


# ------------------------------------------------------------------------------------------------
# The demo households


def _month(value: Any) -> date:
    if isinstance(value, date):
        return value.replace(day=1)
    year, month = str(value).split("-")
    return date(int(year), int(month), 1)


def test_households_yaml_keeps_every_identity_provider_persona() -> None:
    members = {m["key"]: m for h in demo_households_load() for m in h["members"]}
    for persona in personas_load():
        member = members[persona["key"]]
        assert (member["name"], member["id_number"], member["phone"]) == (
            persona["name"],
            persona["id_number"],
            persona["phone"],
        )
    header = HOUSEHOLDS_FILE.read_text(encoding="utf-8").splitlines()[:5]
    assert any("2026-11-27" in line for line in header)
    assert yaml.safe_load(HOUSEHOLDS_FILE.read_text(encoding="utf-8"))["reference_date"] == REF


def test_every_demo_household_is_present_with_the_registers_it_promises(reg: Registers) -> None:
    households = demo_households_load()
    number_of = {m["key"]: m["id_number"] for h in households for m in h["members"]}
    for household in households:
        assert household["note"]
        book = next(b for b in reg.books.values() if b["book_no"] == household["book"]["book_no"])
        assert (book["county_code"], book["address"]) == (
            household["book"]["county"],
            household["book"]["address"],
        )
        assert book["address"].startswith(county_name(book["county_code"]))
        for member in household["members"]:
            person = reg.by_persona[member["key"]]
            assert person["book_id"] == book["id"]
            assert (person["name"], person["id_number"], person["sex"], person["relation"]) == (
                member["name"],
                member["id_number"],
                member["sex"],
                member["relation"],
            )
            assert person["hukou_moved_in"] == member["hukou_moved_in"]
            assert person["phone"] == str(member["phone"] or "")
            pid = person["id"]
            marriage = member.get("marriage")
            expected_marriage = (
                [
                    (
                        marriage["status"],
                        number_of[marriage["spouse"]] if marriage.get("spouse") else "",
                        marriage["registered_on"],
                    )
                ]
                if marriage
                else []
            )
            assert [
                (r["status"], r["spouse_id_number"], r["registered_on"]) for r in reg.of["reg_marriage"][pid]
            ] == expected_marriage
            assert sorted(
                (r["level"], r["school"], bool(r["full_time"]), r["graduated_on"])
                for r in reg.of["reg_education"][pid]
            ) == sorted(
                (e["level"], e["school"], e["full_time"], e["graduated_on"])
                for e in member.get("education", [])
            )
            assert sorted(
                (r["city_code"], r["employer"], r["base_fen"], r["first_month"], r["last_month"])
                for r in reg.of["reg_insurance_span"][pid]
            ) == sorted(
                (s["city"], s["employer"], s["base_fen"], _month(s["first_month"]), _month(s["last_month"]))
                for s in member.get("insurance", [])
            )
            assert sorted(
                (r["city_code"], r["valid_from"], r["valid_to"]) for r in reg.of["reg_residence_permit"][pid]
            ) == sorted(
                (p["city"], p["valid_from"], p["valid_to"]) for p in member.get("residence_permits", [])
            )
            assert sorted(
                (r["kind"], r["city_code"], r["valid_from"], r["valid_to"]) for r in reg.of["reg_dibao"][pid]
            ) == sorted(
                (a["kind"], a["city"], a["valid_from"], a["valid_to"]) for a in member.get("assistance", [])
            )
            assert sorted(
                (r["city_code"], r["address"], r["area_centi_m2"], r["acquired_on"], r["disposed_on"])
                for r in reg.of["reg_property"][pid]
            ) == sorted(
                (p["city"], p["address"], p["area_centi_m2"], p["acquired_on"], p.get("disposed_on"))
                for p in member.get("properties", [])
            )
            assert sorted(
                (r["plate"], r["purchase_value_fen"], r["purchased_on"]) for r in reg.of["reg_vehicle"][pid]
            ) == sorted(
                (v["plate"], v["purchase_value_fen"], v["purchased_on"]) for v in member.get("vehicles", [])
            )


def _person(reg: Registers, key: str) -> dict[str, Any]:
    return reg.by_persona[key]


def _spans(reg: Registers, key: str) -> list[dict[str, Any]]:
    return reg.of["reg_insurance_span"][_person(reg, key)["id"]]


def _highest_full_time(reg: Registers, key: str) -> dict[str, Any]:
    order = list(LEVEL_AGE)
    rows = [r for r in reg.of["reg_education"][_person(reg, key)["id"]] if r["full_time"]]
    return max(rows, key=lambda r: (order.index(r["level"]), r["graduated_on"]))


def _household_area(reg: Registers, keys: list[str], city: str) -> int:
    """Sum of homes owned (not disposed) in the city by these persons, hundredths of m²."""
    return sum(
        h["area_centi_m2"]
        for key in keys
        for h in reg.of["reg_property"][_person(reg, key)["id"]]
        if h["city_code"] == city and h["disposed_on"] is None
    )


def test_hard_case_graduation_months(reg: Registers) -> None:
    assert (
        grad_months(date(2021, 10, 15)) == 60 and grad_months(date(2021, 9, 20)) == 61
    )  # the doc's examples
    assert grad_months(_highest_full_time(reg, "chen-siyuan")["graduated_on"]) == 70
    assert grad_months(_highest_full_time(reg, "zheng-yuhan")["graduated_on"]) == 28
    assert grad_months(_highest_full_time(reg, "lin-xiaofeng")["graduated_on"]) == 88
    assert (
        reg.of["reg_education"][_person(reg, "zhou-yating")["id"]] == []
    )  # studied abroad: no 学信网 record
    declared = next(m for h in demo_households_load() for m in h["members"] if m["key"] == "zhou-yating")
    assert declared["declares"]["education"]["level"] == "硕士"


def test_hard_case_eleven_and_twelve_months_of_insurance(reg: Registers) -> None:
    assert insurance_cumulative(_spans(reg, "xu-lei"), "350100") == 11
    assert insurance_cumulative(_spans(reg, "yang-xiaohong"), "350100") == 12
    for key in ("xu-lei", "yang-xiaohong", "ayiguli"):
        person = _person(reg, key)
        assert reg.hukou_city(person)[:2] != "35"  # hukou outside Fujian
        permits = reg.of["reg_residence_permit"][person["id"]]
        permit = next(
            p for p in permits if p["city_code"] == "350100" and p["valid_from"] <= REF <= p["valid_to"]
        )
        assert years_between(permit["valid_from"]) >= 1
    assert insurance_cumulative(_spans(reg, "ayiguli"), "350100") == 36
    assert insurance_continuous(_spans(reg, "zheng-yuhan"), "350100") == 27
    assert insurance_continuous(_spans(reg, "xu-lei"), "350100") == 6  # Nov 2026 itself does not count


def test_hard_case_homes_sales_and_vehicles(reg: Registers) -> None:
    # Owns a large home: 138.60 m² for three people → 46.20 m² each, well above 15.
    assert _household_area(reg, ["zhang-wei", "he-lina", "zhang-zixuan"], "350100") // 3 == 4620
    # Sold exactly two years before the reference date: within the 5-year look-back (on or after 2021-11-27).
    sales = [h for h in reg.of["reg_property"][_person(reg, "wu-haiyan")["id"]] if h["disposed_on"]]
    assert [h["disposed_on"] for h in sales] == [date(2024, 11, 27)]
    assert sales[0]["disposed_on"] >= date(2021, 11, 27)
    assert _household_area(reg, ["wu-haiyan", "lin-haoran"], "350100") == 0
    # A vehicle and a sold home (泉州, sold before that city's 5-year look-back).
    huang = _person(reg, "huang-zhiqiang")["id"]
    assert len(reg.of["reg_vehicle"][huang]) == 1
    assert [h["disposed_on"] for h in reg.of["reg_property"][huang]] == [date(2020, 6, 30)]
    # dibao household: valid on the reference date, hukou ≥ 1 year, per-capita area below 15 m².
    family = ["wang-rare", "zheng-xiuqin", "wang-zihan"]
    for key in family:
        (status,) = reg.of["reg_dibao"][_person(reg, key)["id"]]
        assert status["kind"] == "dibao" and status["valid_from"] <= REF <= status["valid_to"]
    assert years_between(_person(reg, "wang-rare")["hukou_moved_in"]) >= 1
    assert _household_area(reg, family, "350100") // 3 == 1283


def test_hard_case_marriage_in_the_register(reg: Registers) -> None:
    nana, mingxuan = _person(reg, "ouyang-nana"), _person(reg, "li-mingxuan")
    assert nana["book_id"] != mingxuan["book_id"]  # the spouse's hukou is in another book
    (a,) = reg.of["reg_marriage"][nana["id"]]
    (b,) = reg.of["reg_marriage"][mingxuan["id"]]
    assert (a["spouse_id_number"], b["spouse_id_number"]) == (mingxuan["id_number"], nana["id_number"])
    assert a["registered_on"] == b["registered_on"]
    # Declares unmarried, but the register says married (to 黄丽, recorded on both sides).
    declared = next(m for h in demo_households_load() for m in h["members"] if m["key"] == "liu-zhiming")
    assert declared["declares"]["marital_status"] == "unmarried"
    liu, huang = _person(reg, "liu-zhiming"), _person(reg, "huang-li")
    (record,) = reg.of["reg_marriage"][liu["id"]]
    assert (record["status"], record["spouse_id_number"]) == ("married", huang["id_number"])
    assert declared["declares"]["monthly_income_fen"] < max(s["base_fen"] for s in _spans(reg, "liu-zhiming"))
