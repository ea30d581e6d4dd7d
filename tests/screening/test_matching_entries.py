"""Small hand-built list entries shared by the screening tests (no tests here)."""

from __future__ import annotations

from rarex.screening.records import EntryName, ListEntry, NameRole, PartyKind


def entry(
    entry_id: str,
    *names: str,
    kind: PartyKind = PartyKind.ORGANIZATION,
    countries: tuple[str, ...] = (),
    roles: tuple[NameRole, ...] = (),
) -> ListEntry:
    role_of = roles or (NameRole.PRIMARY, *(NameRole.ALIAS for _ in names[1:]))
    return ListEntry(
        source="test",
        entry_id=entry_id,
        list_name="Test List",
        kind=kind,
        names=tuple(EntryName(n, r) for n, r in zip(names, role_of, strict=True)),
        countries=countries,
    )


ENTRIES = (
    entry("gd", "General Dynamics", "通用动力公司", countries=("US",)),
    entry("huawei", "Huawei Technologies Co., Ltd.", countries=("CN",)),
    entry("huawei-zh", "华为终端有限公司", countries=("CN",)),
    entry("huawei-marine", "Huawei Marine Networks Co., Ltd.", countries=("CN",)),
    entry("hik", "Hangzhou Hikvision Digital Technology Co., Ltd.", countries=("CN",)),
    entry("hik-2", "Hikvision Digital Technology Hangzhou"),
    entry("cetc", "China Electronics Technology Group Corporation", countries=("CN",)),
    entry("sinotrans", "Sinotrans Trading Co"),
    entry("zwm", "Zhang Wei Ming", kind=PartyKind.PERSON),
    entry("zwm-2", "ZHANG Weiming", kind=PartyKind.PERSON, countries=("CN",)),
    entry("zw", "Zhang Wei", kind=PartyKind.PERSON),
    entry("roe", "Rosoboronexport", countries=("RU",)),
    entry("romashka", "Romashka LLC", countries=("RU",)),
    entry(
        "weak",
        "Mahan Air",
        "Mahan Airlines",
        roles=(NameRole.PRIMARY, NameRole.WEAK_ALIAS),
        countries=("IR",),
    ),
    entry("acme", "Acme Trading Limited"),
)
