"""The demo's people: exporters with their records, officers, and the other roles."""

from __future__ import annotations

import secrets
from datetime import date

from rarex.auth.roles import Role
from rarex.auth.service import create_user, declare_conflict, issue_token, to_actor
from rarex.auth.sign_in import DEMO_ORIGIN, SignInPolicy, set_password
from rarex.demo.world import (
    DEMO_START,
    DemoWorld,
    demo_uscc,
)
from rarex.parties.service import record_violation, register_company


def setup_people(w: DemoWorld) -> None:
    w.at(DEMO_START, 8)
    exporters = {
        "ganzhou": (
            "Ganzhou Ganli Rare Earth Magnet Co., Ltd.",
            "赣州赣力稀土磁材有限公司",
            "360700",
            "71234560",
            date(2023, 3, 1),
        ),
        "baotou": (
            "Baotou Beifang Magnetics Co., Ltd.",
            "包头北方磁业有限公司",
            "150200",
            "61523470",
            date(2024, 6, 1),
        ),
        "leshan": (
            "Leshan Samarium-Cobalt Materials Co., Ltd.",
            "乐山钐钴材料有限公司",
            "511100",
            "58812340",
            None,
        ),
        "changting": (
            "Fujian Changting Rare Metals Co., Ltd.",
            "福建长汀稀有金属有限公司",
            "350821",
            "49901230",
            date(2022, 9, 1),
        ),
    }
    for key, (name, name_zh, region, body8, icp) in exporters.items():
        w.companies[key] = register_company(
            w.session,
            clock=w.clock,
            actor=None,
            uscc=demo_uscc(region, body8),
            name=name,
            name_zh=name_zh,
            compliance_programme_on=icp,
        )
    record_violation(
        w.session,
        clock=w.clock,
        actor=None,
        company_id=w.companies["changting"].id,
        occurred_on=date(2024, 3, 18),
        description="Exported scandium oxide under a licence for a different end user",
        penalty_reference="MOFCOM penalty decision (demo) 2024-017",
    )
    # (username, role, company, the partner's country groups)
    people: list[tuple[str, Role, str | None, list[str]]] = [
        ("admin", Role.ADMINISTRATOR, None, []),
        ("officer.li", Role.LICENSING_OFFICER, None, []),
        ("officer.wang", Role.LICENSING_OFFICER, None, []),
        ("customs.zhao", Role.CUSTOMS_OFFICER, None, []),
        ("analyst.chen", Role.ANALYST, None, []),
        ("eu.liaison", Role.PARTNER_AUTHORITY, None, ["EU"]),
        *[(f"{key}.export", Role.EXPORTER, key, []) for key in exporters],
    ]
    for username, role, company, groups in people:
        user = create_user(
            w.session,
            clock=w.clock,
            actor=None,
            username=username,
            display_name=username,
            role=role,
            company_id=w.companies[company].id if company else None,
            partner_groups=groups,
        )
        w.actors[username] = to_actor(user)
        w.tokens[username] = issue_token(
            w.session, clock=w.clock, actor=None, user_id=user.id, label="demo"
        )
        # printed by the demo and marked as the demo's: production refuses to start with them
        w.passwords[username] = f"demo-{secrets.token_hex(6)}"
        set_password(
            w.session,
            clock=w.clock,
            actor=None,
            username=username,
            password=w.passwords[username],
            origin=DEMO_ORIGIN,
            policy=SignInPolicy.of(w.settings),
        )
    # officer.wang used to work for Baotou's parent: he may not decide its cases.
    declare_conflict(
        w.session,
        clock=w.clock,
        actor=None,
        user_id=w.actors["officer.wang"].user_id,
        company_id=w.companies["baotou"].id,
        reason="Former employee of the applicant's parent company (until 2023)",
    )
