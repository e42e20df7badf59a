"""The cases app's models, one module per part of the case file."""

from carnet.cases.models.best_interests import BestInterestsAssessment, Determination, FollowUpVisit, ReturnPlan
from carnet.cases.models.care import CareObjective, CareReview, CareService
from carnet.cases.models.case import (
    BreakGlass,
    Case,
    CaseCounter,
    Flag,
    GuardianAppointment,
    LegalBasisRecord,
    RetentionPolicy,
    RiskChange,
    TeamMember,
)
from carnet.cases.models.child import AgeAssessment, Child, ChildIndex, IdentityDocument
from carnet.cases.models.identification import (
    Exploitation,
    Identification,
    Indicator,
    IndicatorResponse,
    RouteLeg,
    StatusDecision,
)
from carnet.cases.models.records import CaseDocument, CaseNote

__all__ = [
    "AgeAssessment",
    "BestInterestsAssessment",
    "BreakGlass",
    "Case",
    "CaseCounter",
    "RetentionPolicy",
    "CaseDocument",
    "CaseNote",
    "CareObjective",
    "CareReview",
    "CareService",
    "Child",
    "ChildIndex",
    "Determination",
    "Exploitation",
    "Flag",
    "FollowUpVisit",
    "GuardianAppointment",
    "Identification",
    "IdentityDocument",
    "Indicator",
    "IndicatorResponse",
    "LegalBasisRecord",
    "ReturnPlan",
    "RiskChange",
    "RouteLeg",
    "StatusDecision",
    "TeamMember",
]
