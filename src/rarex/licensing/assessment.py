"""The green-channel assessment of a case: the facts gathered from the record, the named
rules evaluated (``green_channel``, pure), the result stored and the lane set."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session

from rarex import jurisdictions
from rarex.clock import Clock, authority_date
from rarex.config import Settings
from rarex.licensing import repository
from rarex.licensing.green_channel import (
    DEFAULT_POLICY,
    GreenChannelAssessment,
    GreenChannelFacts,
    TrustedEndUser,
    assess,
)
from rarex.models import Application, ForeignParty, GreenChannelCheck
from rarex.parties import service as parties
from rarex.parties import trusted as trusted_parties
from rarex.screening import search as screening_search
from rarex.screening import service as screening_service


def open_screening_hits(session: Session, application: Application) -> int:
    """Unresolved party-screening hits of the case (the green channel's last rule)."""
    return screening_service.open_hits(session, application.id)


def assess_green_channel(
    session: Session, *, application: Application, clock: Clock, settings: Settings
) -> GreenChannelAssessment:
    today = authority_date(clock.now())
    company = parties.get_company(session, company_id=application.exporter_id)
    # the partner groups as they were on the day: the EU of a 2019 case had the United Kingdom
    policy = replace(DEFAULT_POLICY, partner_groups=jurisdictions.groups_on(today))
    lookback_start = today - relativedelta(years=policy.violation_lookback_years)
    end_user = parties.get_foreign_party(session, party_id=application.end_user_id)
    facts = GreenChannelFacts(
        destination=application.destination,
        end_use_category=application.end_use_category,
        applicant_violations_in_lookback=parties.violations_since(
            session, company_id=company.id, since=lookback_start
        ),
        applicant_has_compliance_programme=(
            company.compliance_programme_on is not None and company.compliance_programme_on <= today
        ),
        applicant_approved_applications=repository.approved_count(session, exporter_id=company.id),
        end_user_previously_approved=repository.end_user_previously_approved(
            session,
            exporter_id=company.id,
            end_user_id=application.end_user_id,
            excluding=application.id,
        ),
        open_screening_hits=open_screening_hits(session, application),
        end_user_country=end_user.country,
        screening_connected=screening_search.lists_loaded(session),
        end_user_trusted=_trusted(session, end_user, today),
    )
    if settings.green_channel_min_approved_applications != policy.min_approved_applications:
        # The stored version must say which threshold was applied, not just the base policy.
        minimum = settings.green_channel_min_approved_applications
        policy = replace(
            policy,
            min_approved_applications=minimum,
            version=f"{policy.version}+min{minimum}",
        )
    assessment = assess(facts, policy)
    session.add(
        GreenChannelCheck(
            application_id=application.id,
            seq=repository.green_check_count(session, application.id) + 1,
            evaluated_at=clock.now(),
            eligible=assessment.eligible,
            policy_version=assessment.policy_version,
            results=[
                {"rule": r.rule, "passed": r.passed, "explanation": r.explanation}
                for r in assessment.results
            ],
        )
    )
    application.lane = "green" if assessment.eligible else "ordinary"
    session.flush()
    return assessment


def _trusted(session: Session, end_user: ForeignParty, today: date) -> TrustedEndUser | None:
    match = trusted_parties.match_end_user(session, party=end_user, day=today)
    if match is None:
        return None
    return TrustedEndUser(
        number=match.number, partner=match.partner, approved_on=match.approved_on,
        review_on=match.review_on, matched_by=match.matched_by,
    )  # fmt: skip
