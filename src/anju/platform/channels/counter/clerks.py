"""Clerk accounts: who works a window of which 政务服务中心, signed in with core/staffauth's rules (argon2id,
failure limits per computer and account, failures reported to the clerk at the next sign-in)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from anju.core import regions, staffauth
from anju.core.timeutil import utcnow
from anju.platform.applications.agency import AgencyBegun
from anju.platform.identity.faceauth import FACE_VERIFIED_LEVEL
from anju.platform.models import Clerk
from anju.platform.web import COUNTER

# Demo accounts only (printed by `make run`; the sandbox's published password, as housing's demo staff).
DEMO_CLERK_PASSWORD = "anju-staff-demo"  # noqa: S105


@dataclass(frozen=True)
class ClerkView:
    """What the counter frame shows of the clerk: name, centre and window (never the account's secrets)."""

    id: int
    name: str
    division_code: str
    centre: str
    window: str


def clerk_view(clerk: Clerk) -> ClerkView:
    """The clerk as the counter frame shows them."""
    return ClerkView(
        id=clerk.id,
        name=clerk.display_name,
        division_code=clerk.division_code,
        centre=clerk.centre,
        window=clerk.window,
    )


def clerk_session(clerk: ClerkView) -> dict[str, Any]:
    """What a browser session keeps of the clerk working it (the frame's header reads the name and window)."""
    return {"clerk_id": clerk.id, "clerk_name": clerk.name, "clerk_window": f"{clerk.centre} {clerk.window}"}


def walk_in_session(clerk: ClerkView, *, applicant_id: int, name: str) -> dict[str, Any]:
    """The session once the person at the window is identified: the clerk beside them, the channel
    "counter", and the real-name level of an in-person check (the card with a face or a clerk's eyes)."""
    return {
        **clerk_session(clerk),
        "applicant_id": applicant_id,
        "applicant_name": name,
        "real_name_level": FACE_VERIFIED_LEVEL,
        "channel": COUNTER,
        "counter_since": utcnow().isoformat(),
    }


def identified(clerk: ClerkView, *, person_id: int, name: str, agent: bool) -> tuple[dict[str, Any], str]:
    """The session once the person at the window is identified, and the page to go on to: the application,
    or for an agent (帮办代办) the applicant's card and the basis of the agency."""
    if agent:
        return {**clerk_session(clerk), "agent_applicant_id": person_id, "agent_name": name}, "counter_agency"
    return walk_in_session(clerk, applicant_id=person_id, name=name), "application_new"


def agency_session(clerk: ClerkView, begun: AgencyBegun) -> dict[str, Any]:
    """The session once a 帮办代办 is recorded: the applicant served through the agent, before the clerk."""
    return {
        **walk_in_session(clerk, applicant_id=begun.applicant_id, name=begun.applicant_name),
        "agency_id": begun.agency_id,
        "agent_name": begun.agent_name,
    }


def clerk_create(
    *,
    session: Session,
    username: str,
    display_name: str,
    division_code: str,
    centre: str,
    window: str,
    hashed_password: str,
) -> Clerk:
    """A clerk account at a window (the division code must be a Fujian city, county or 平潭)."""
    regions.get(division_code)  # KeyError for a code that is not a division
    clerk = Clerk(
        username=username.strip(),
        display_name=display_name,
        division_code=division_code,
        centre=centre,
        window=window,
        password_hash=hashed_password,
    )
    session.add(clerk)
    session.flush()
    return clerk


def clerk_get(*, session: Session, clerk_id: int) -> ClerkView | None:
    """A clerk by id, as the frame shows them."""
    clerk = session.get(Clerk, clerk_id)
    return clerk_view(clerk) if clerk else None


def demo_clerks() -> list[dict[str, str]]:
    """One window clerk per jurisdiction (synthetic centres, marked 演示), and one in 鼓楼区."""
    places = [(city.code, city.name) for city in regions.jurisdictions()] + [("350102", "福州市鼓楼区")]
    return [
        {
            "username": f"chuangkou.{code}",
            "display_name": f"{name}窗口人员（演示）",
            "division_code": code,
            "centre": f"{name}政务服务中心（演示）",
            "window": "综合受理 1 号窗口",
        }
        for code, name in places
    ]


def clerk_seed_demo(*, session: Session) -> int:
    """Create the demo clerks that do not exist yet; returns how many were added."""
    return staffauth.accounts_seed(
        session=session,
        model=Clerk,
        accounts=demo_clerks(),
        password=DEMO_CLERK_PASSWORD,
        create=clerk_create,
    )
