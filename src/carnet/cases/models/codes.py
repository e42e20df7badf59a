"""Code lists of the case file. Where carnet uses a code of the Human Trafficking Case Data
Standard (HTCDS 2.0, IOM, CC BY 4.0) the value names it; Directive (EU) 2024/1712 adds
forced marriage, illegal adoption and exploitation of surrogacy to the forms of exploitation.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    """HTCDS case status."""

    OPEN = "open", _("Open")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSED = "closed", _("Closed")
    CLOSED_REFERRED = "closed_referred", _("Closed – referred")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not known")


class AgeBand(models.TextChoices):
    """Coarse age, kept in clear for lists and statistics; the date of birth stays encrypted."""

    UNDER_12 = "under_12", _("Under 12")
    AGE_12_14 = "12_14", _("12–14")
    AGE_15_17 = "15_17", _("15–17")
    ADULT = "18_plus", _("18 or older")
    UNKNOWN = "unknown", _("Not known")


class AgeAssessmentMethod(models.TextChoices):
    DOCUMENTS = "documents", _("Identity documents")
    INTERVIEW = "interview", _("Psychosocial interview")
    MEDICAL = "medical", _("Medical examination")
    MULTIDISCIPLINARY = "multidisciplinary", _("Multidisciplinary assessment")
    OTHER = "other", _("Other")


class TeamRole(models.TextChoices):
    OWNER = "owner", _("Case owner")
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Supervisor")


class FlagKind(models.TextChoices):
    """Flags that warn whoever opens the case; protective ones need a second person to remove."""

    RISK_OF_GOING_MISSING = "missing_risk", _("Risk of going missing")
    TRAFFICKER_CONTACT = "trafficker_contact", _("Contact by traffickers suspected")
    DO_NOT_DISCLOSE_LOCATION = "no_location", _("Do not disclose whereabouts")
    SELF_HARM = "self_harm", _("Risk of self-harm")
    MEDICAL = "medical", _("Urgent medical need")
    OTHER = "other", _("Other")


PROTECTIVE_FLAGS = frozenset(
    {FlagKind.RISK_OF_GOING_MISSING, FlagKind.TRAFFICKER_CONTACT, FlagKind.DO_NOT_DISCLOSE_LOCATION, FlagKind.SELF_HARM}
)


class LegalBasis(models.TextChoices):
    CONSENT_CHILD = "consent_child", _("Consent of the child")
    CONSENT_GUARDIAN = "consent_guardian", _("Consent of the guardian")
    LEGAL_MANDATE = "legal_mandate", _("Legal mandate (child protection law)")
    VITAL_INTEREST = "vital_interest", _("Vital interest of the child")


class TraffickingStatus(models.TextChoices):
    """HTCDS trafficking status."""

    POSSIBLE = "possible", _("Possible victim of trafficking")
    ACTUAL = "actual", _("Actual victim of trafficking")
    NOT_A_VICTIM = "not_a_victim", _("Not a victim of trafficking")


class ExploitationType(models.TextChoices):
    SEXUAL = "sexual", _("Sexual exploitation")
    LABOUR = "labour", _("Forced labour or services")
    DOMESTIC_SERVITUDE = "domestic_servitude", _("Domestic servitude")
    CRIMINALITY = "criminality", _("Exploitation in criminal activities")
    BEGGING = "begging", _("Forced begging")
    FORCED_MARRIAGE = "forced_marriage", _("Forced marriage")
    ILLEGAL_ADOPTION = "illegal_adoption", _("Illegal adoption")
    SURROGACY = "surrogacy", _("Exploitation of surrogacy")
    ORGAN_REMOVAL = "organ_removal", _("Removal of organs")
    OTHER = "other", _("Other")


class CriminalitySubtype(models.TextChoices):
    DRUGS = "drugs", _("Drug cultivation or dealing")
    THEFT = "theft", _("Theft and pickpocketing")
    BENEFIT_FRAUD = "benefit_fraud", _("Benefit fraud")
    BEGGING = "begging", _("Forced begging")
    OTHER = "other", _("Other")


class MeansOfControl(models.TextChoices):
    """HTCDS MethodsOfControl*."""

    DEBT_BONDAGE = "DebtBondage", _("Debt bondage")
    TAKES_EARNINGS = "TakesEarnings", _("Takes earnings")
    RESTRICTS_FINANCIAL_ACCESS = "RestrictsFinancialAccess", _("Restricts access to money")
    THREATS = "Threats", _("Threats")
    PSYCHOLOGICAL_ABUSE = "PsychologicalAbuse", _("Psychological abuse")
    PHYSICAL_ABUSE = "PhysicalAbuse", _("Physical abuse")
    SEXUAL_ABUSE = "SexualAbuse", _("Sexual abuse")
    FALSE_PROMISES = "FalsePromises", _("False promises")
    PSYCHOACTIVE_SUBSTANCES = "PsychoactiveSubstances", _("Psychoactive substances")
    RESTRICTS_MOVEMENT = "RestrictsMovement", _("Restricts movement")
    RESTRICTS_MEDICAL_CARE = "RestrictsMedicalCare", _("Restricts medical care")
    EXCESSIVE_WORKING_HOURS = "ExcessiveWorkingHours", _("Excessive working hours")
    USES_CHILDREN = "UsesChildren", _("Threats against or use of the individual's children")
    THREAT_OF_LAW_ENFORCEMENT = "ThreatOfLawEnforcement", _("Threat of law enforcement")
    WITHHOLDS_NECESSITIES = "WithholdsNecessities", _("Withholds necessities")
    WITHHOLDS_DOCUMENTS = "WithholdsDocuments", _("Withholds documents")
    OTHER = "Other", _("Other")


class Recruitment(models.TextChoices):
    JOB_OFFER = "job_offer", _("False job or study offer")
    ROMANCE = "romance", _("Romantic relationship (“loverboy”)")
    FAMILY = "family", _("Through family")
    ONLINE = "online", _("Online contact or social media")
    ABDUCTION = "abduction", _("Abduction")
    SOLD = "sold", _("Sold by a third person")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not known")


class Relationship(models.TextChoices):
    FAMILY = "family", _("Family member")
    PARTNER = "partner", _("Intimate partner")
    FRIEND = "friend", _("Friend or acquaintance")
    EMPLOYER = "employer", _("Employer")
    STRANGER = "stranger", _("Stranger")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not known")


class RouteStage(models.TextChoices):
    RECRUITMENT = "recruitment", _("Recruitment")
    TRANSIT = "transit", _("Transit")
    EXPLOITATION = "exploitation", _("Exploitation")


class IndicatorAnswer(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Not present")
    UNKNOWN = "unknown", _("Not known")


class Pillar(models.TextChoices):
    """The seed's four pillars of assistance."""

    CARE = "care", _("Care")
    PROTECTION = "protection", _("Protection")
    REHABILITATION = "rehabilitation", _("Rehabilitation")
    REINTEGRATION = "reintegration", _("Reintegration")


class ServiceStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    REFERRED = "referred", _("Referred")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined")


class DurableSolution(models.TextChoices):
    LOCAL_INTEGRATION = "local_integration", _("Local integration")
    RETURN = "return", _("Return to the country of origin")
    THIRD_COUNTRY = "third_country", _("Resettlement in a third country")


class DecisionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Sent back")


class DocumentKind(models.TextChoices):
    IDENTITY = "identity", _("Identity document")
    MEDICAL = "medical", _("Medical")
    LEGAL = "legal", _("Legal or court")
    ASSESSMENT = "assessment", _("Assessment")
    CORRESPONDENCE = "correspondence", _("Correspondence")
    OTHER = "other", _("Other")
