"""HTTP routes of the statistics room.

Published statistics are public data (GACC releases, press reports): every read here is
open without a token, so journalists, analysts and partner authorities can cite the same
figures. Writing (importing files) needs an administrator's or analyst's token.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, UploadFile, status

from rarex.api.deps import ActorDep, ClockDep, SessionDep
from rarex.api.idempotency import IdempotentRoute
from rarex.api.openapi import BINARY_FILE
from rarex.api.schemas.statistics import (
    DeclarationsReport,
    ImportRecord,
    PeriodReport,
    SeriesSummary,
    SeriesTable,
    SourceRead,
    StatisticsImported,
)
from rarex.api.uploads import file_name
from rarex.auth.roles import Role, require_role
from rarex.errors import InvalidInput
from rarex.inputs import Code
from rarex.quantities import Amount
from rarex.statistics import charts, declarations, exports, repository, sdmx, tables
from rarex.statistics.derivation import ConsistencyPolicy
from rarex.statistics.importer import import_files
from rarex.statistics.monitor import MonitorPolicy
from rarex.statistics.service import period_report

router = APIRouter(route_class=IdempotentRoute, prefix="/statistics", tags=["statistics"])

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
Decimals = Annotated[int, Query(ge=0, le=6, description="Places of displayed percentages")]
# Bounded like any input: an absurd figure (1e308) would otherwise overflow the arithmetic.
Tolerance = Annotated[
    Amount,
    Query(ge=0, le=10**9, description="Extra allowance (series unit) for months vs YTD"),
]
TolerancePct = Annotated[
    Amount, Query(ge=0, le=100, description="Extra allowance, % of the YTD total")
]
From = Annotated[Code | None, Query(alias="from", description="First month YYYY-MM")]
To = Annotated[Code | None, Query(alias="to", description="Last month YYYY-MM")]
Series = Annotated[Code, Path(description="A series, as `GET /statistics/series` lists them")]
# Downloads declare the media type of each format they answer in.
EXPORT_TYPES: dict[str, Any] = {
    media_type: BINARY_FILE for media_type, _ in exports.FORMATS.values()
}
CHART_TYPES: dict[str, Any] = {media_type: BINARY_FILE for media_type in charts.FORMATS.values()}
STRUCTURE_TYPE = sdmx.STRUCTURE_MEDIA_TYPE.split(";")[0]


@router.get("/series")
def list_series(session: SessionDep) -> list[SeriesSummary]:
    """The imported series with their partners and periods (public)."""
    return [SeriesSummary.model_validate(s) for s in tables.list_series(session)]


@router.get("/sources")
def list_sources(session: SessionDep) -> list[SourceRead]:
    """Titles and addresses of the reports the figures cite (public)."""
    return [SourceRead.model_validate(s) for s in tables.list_sources(session)]


@router.get("/report")
def report(
    session: SessionDep,
    series: Code,
    period: Code,
    partner: Code = "WLD",
    decimals: Decimals = 1,
    tolerance: Tolerance = Decimal(0),
    tolerance_pct: TolerancePct = Decimal(0),
    z_threshold: Annotated[Amount, Query(gt=0, le=1000)] = Decimal("3.5"),
) -> PeriodReport:
    """One month: value, MoM, YoY, YTD, YTD YoY, flags, derivations and sources (public)."""
    answer = period_report(
        session,
        series=series,
        period=period,
        partner=partner,
        decimals=decimals,
        policy=ConsistencyPolicy(absolute=tolerance, relative_pct=tolerance_pct),
        monitor_policy=MonitorPolicy(threshold=z_threshold),
    )
    return PeriodReport.model_validate(answer)


@router.get("/declarations/report")
def declarations_report(
    session: SessionDep,
    actor: ActorDep,
    series: Code,
    period: Code,
    partner: Code = "WLD",
    decimals: Decimals = 1,
) -> DeclarationsReport:
    """The month from cleared declarations (customs aggregates): not public; the roles that
    may read customs' monthly aggregates only."""
    answer = declarations.declarations_report(
        session, actor=actor, series=series, period=period, partner=partner, decimals=decimals
    )
    return DeclarationsReport.model_validate(answer)


@router.get("/series/{series}")
def series_table(
    session: SessionDep,
    series: Series,
    partner: Code = "WLD",
    start: From = None,
    end: To = None,
    decimals: Decimals = 1,
    tolerance: Tolerance = Decimal(0),
    tolerance_pct: TolerancePct = Decimal(0),
) -> SeriesTable:
    """Month by month: values, YTD, changes, monitor, findings (public)."""
    table = tables.series_table(
        session,
        series=series,
        partner=partner,
        start=start,
        end=end,
        decimals=decimals,
        policy=ConsistencyPolicy(absolute=tolerance, relative_pct=tolerance_pct),
    )
    return SeriesTable.model_validate(table)


@router.get(
    "/series/{series}/export",
    response_class=Response,
    responses={200: {"description": "The file, as an attachment", "content": EXPORT_TYPES}},
)
def export_series(
    session: SessionDep,
    series: Series,
    fmt: Annotated[
        Code,
        Query(
            alias="format",
            description="csv, xlsx, sdmx (SDMX-CSV 1.0) or sdmx2 (SDMX-CSV 2.0)",
        ),
    ] = "csv",
    partner: Code | None = None,
    start: From = None,
    end: To = None,
) -> Response:
    """Every published and derived figure as csv, xlsx, sdmx (SDMX-CSV 1.0) or sdmx2
    (SDMX-CSV 2.0), the SDMX files in the structure of `GET /statistics/sdmx/structure`
    (public)."""
    result = exports.export_series(
        session, series=series, fmt=fmt, partner=partner, start=start, end=end
    )
    return Response(
        result.content,
        media_type=result.media_type,
        headers={"Content-Disposition": f'attachment; filename="{result.filename}"'},
    )


@router.get(
    "/series/{series}/chart",
    response_class=Response,
    responses={200: {"description": "The chart", "content": CHART_TYPES}},
)
def chart(
    session: SessionDep,
    series: Series,
    kind: Annotated[
        Code, Query(description="monthly, or growth (change on a year before; alias yoy)")
    ] = "monthly",
    fmt: Annotated[Code, Query(alias="format", description="svg, png or pdf")] = "svg",
    partner: Code = "WLD",
    start: From = None,
    end: To = None,
    year: Annotated[int | None, Query(ge=1900, le=2999, description="Twelve months")] = None,
    compare_year: Annotated[
        int | None, Query(ge=1900, le=2999, description="growth with year: the base year")
    ] = None,
    # Bounds checked by the chart module, so a bad resolution is refused with its own code
    # (stats.bad_dpi), as the command line refuses it; the schema states them all the same.
    dpi: Annotated[
        int,
        Query(
            description=f"PNG resolution, dots per inch ({charts.MIN_DPI} to {charts.MAX_DPI}); "
            "svg and pdf are vector and do not depend on it",
            json_schema_extra={"minimum": charts.MIN_DPI, "maximum": charts.MAX_DPI},
        ),
    ] = charts.DEFAULT_DPI,
) -> Response:
    """Monthly bars, or each month's change on a year before with the year-to-date change, as
    an accessible svg (title and description), a png at `dpi` or a pdf, in English (public)."""
    content = charts.chart(
        session,
        series=series,
        kind=kind,
        fmt=fmt,
        partner=partner,
        start=start,
        end=end,
        year=year,
        compare_year=compare_year,
        dpi=dpi,
    )
    return Response(content, media_type=charts.FORMATS[fmt])


@router.get(
    "/sdmx/structure",
    response_class=Response,
    responses={
        200: {
            "description": "SDMX-ML 2.1 structure message",
            "content": {STRUCTURE_TYPE: BINARY_FILE},
        }
    },
)
def sdmx_structure() -> Response:
    """The SDMX structure of the sdmx and sdmx2 exports (public): the dataflow
    RAREX:CN_RE_TRADE(2.0), its data structure definition, concepts and codelists, as an
    SDMX-ML 2.1 structure message."""
    return Response(
        sdmx.structure_xml(),
        media_type=sdmx.STRUCTURE_MEDIA_TYPE,
        headers={"Content-Disposition": f'inline; filename="{sdmx.STRUCTURE_FILE}"'},
    )


@router.post("/imports", status_code=status.HTTP_201_CREATED)
async def import_statistics(
    session: SessionDep, actor: ActorDep, clock: ClockDep, files: list[UploadFile]
) -> StatisticsImported:
    """Import CSV files (observations, sources, reported changes); all land or none does.
    Administrators and analysts only."""
    require_role(actor, Role.ADMINISTRATOR, Role.ANALYST, action="import statistics")
    uploads: list[tuple[str, bytes]] = []
    for i, upload in enumerate(files):
        name = file_name(upload, field=f"files[{i}]", default="upload.csv")
        content = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(content) > MAX_UPLOAD_BYTES:
            raise InvalidInput(
                f"{name} is larger than {MAX_UPLOAD_BYTES} bytes",
                code="stats.file_too_large",
            )
        uploads.append((name, content))
    results = import_files(session, clock=clock, actor=actor, files=uploads)
    return StatisticsImported.model_validate(
        {"changed": any(r.changed for r in results), "files": [r.to_dict() for r in results]}
    )


@router.get("/imports")
def list_imports(session: SessionDep, actor: ActorDep) -> list[ImportRecord]:
    """What was imported, when and by whom (administrators and analysts)."""
    require_role(actor, Role.ADMINISTRATOR, Role.ANALYST, action="list statistics imports")
    return [
        ImportRecord.model_validate(
            {
                "id": str(i.id),
                "kind": i.kind,
                "file": i.filename,
                "sha256": i.sha256,
                "rows": i.rows,
                "added": i.added,
                "revised": i.revised,
                "unchanged": i.unchanged,
                "imported_at": i.imported_at.isoformat(),
                "imported_by": i.imported_by,
            }
        )
        for i in repository.list_imports(session)
    ]
