"""Taking a reading beyond the worker's screen: the child's one-time link and code, whole-form answers, paper entry.

A link has two forms: a long secret in the URL and a short code a worker reads out and the
child types on a phone. Only SHA-256 digests of both are stored. The secret is derived from
the code with the server's key (``salted_hmac``), so a child who typed the code is sent on to
the very same link page (and can resume it later with either), while nobody can turn a code
into a link without the server, nor guess a link (256 bits). Codes are short, so failed
attempts are limited per IP address through the cache.

A link stops working when it expires and once the reading is finished (``used_at``). Unknown
and used links are refused with the same words, so that codes cannot be probed.

Writes that touch several answers (paper entry, the API's answers) are one transaction: a
refused answer leaves nothing stored half-way.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from carnet.assessments.models import (
    Answer,
    Domain,
    InstrumentVersion,
    Level,
    Reading,
    ReadingLink,
    ReadingMode,
    ReadingStatus,
    Respondent,
)
from carnet.assessments.policies import AssessmentAction, AssessmentPolicy
from carnet.assessments.services import answer_record, reading_complete, reading_start
from carnet.audit.models import Outcome
from carnet.audit.services import record
from carnet.cases.models import Case
from carnet.core.errors import DomainError

# No 0/O, 1/I/L: a code is read out loud and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_FAILURES_ALLOWED = 10
CODE_FAILURE_WINDOW = 15 * 60  # seconds
CHILD_LINK_USERNAME = "child-link"  # how the audit log names the child answering on a link
_SECRET_SALT = "carnet.assessments.reading-link"  # noqa: S105  (a salt naming the purpose of the HMAC, not a secret)


class LinkRefused(DomainError):
    """The link or code does not open a reading. ``code`` says why for the logs; the words never tell unknown from used."""

    status = 404
    code = "link_invalid"


class LinkExpired(LinkRefused):
    status = 410
    code = "link_expired"


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_attempts"


def _refused() -> LinkRefused:
    return LinkRefused(_("This link or code does not work. Ask the person who gave it to you for a new one."))


def _expired() -> LinkExpired:
    return LinkExpired(_("This link or code has expired. Ask the person who gave it to you for a new one."))


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _code_digest(code: str) -> str:
    """A keyed hash of the short code: about 40 bits, too few for a plain hash to survive a leaked database."""
    return salted_hmac("carnet.assessments.code-digest", normalise_code(code), algorithm="sha256").hexdigest()


def normalise_code(code: str) -> str:
    """What the child typed, as stored: capitals, without spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch not in " -\u2010\u2011\u2012\u2013\u2014\t")


def secret_for_code(code: str) -> str:
    """The link secret that belongs to a (normalised) code: 256 bits, derived with the server's key."""
    mac = salted_hmac(_SECRET_SALT, normalise_code(code), algorithm="sha256").digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def format_code(code: str) -> str:
    """A code as it is read out: two groups of four."""
    return f"{code[:4]}-{code[4:]}"


@dataclass(frozen=True)
class IssuedLink:
    secret: str  # goes in the URL: /<lang>/assessments/r/<secret>/
    code: str  # eight characters to read out; typed at /<lang>/assessments/code/
    expires_at: datetime


def _require_take(actor: Any, case: Case) -> None:
    if not AssessmentPolicy.can(actor, AssessmentAction.TAKE_READING, case):
        raise PermissionDenied


@transaction.atomic
def link_issue(*, actor: Any, reading: Reading, hours: int = 72) -> IssuedLink:
    """Hand a draft reading to the child: a new link and code (any earlier one of this reading stops working)."""
    reading = Reading.objects.select_for_update().select_related("case").get(pk=reading.pk)
    _require_take(actor, reading.case)
    if reading.status != ReadingStatus.DRAFT:
        raise ValidationError({"reading": _("This reading is already finished: it cannot be handed to the child.")})
    if not 1 <= hours <= 24 * 14:
        raise ValidationError({"hours": _("A link lasts between one hour and fourteen days.")})
    expires_at = timezone.now() + timedelta(hours=hours)
    for _attempt in range(5):
        code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
        secret = secret_for_code(code)
        try:
            with transaction.atomic():
                ReadingLink.objects.update_or_create(
                    reading=reading,
                    defaults={"digest": _digest(secret), "code_digest": _code_digest(code), "expires_at": expires_at, "used_at": None},
                )
        except IntegrityError:  # the same code as another link's, once in a trillion: draw again
            continue
        break
    else:  # pragma: no cover - five collisions in a row would mean a broken random source
        raise DomainError(_("No link could be made. Try again."), code="link_failed")
    record(actor=actor, action="assessment.link.issue", obj=reading.case, purpose=f"{reading.pk} until {expires_at:%Y-%m-%d %H:%M}")
    return IssuedLink(secret=secret, code=code, expires_at=expires_at)


def _open(link: ReadingLink | None) -> Reading:
    if link is None or link.used_at is not None or link.reading.status != ReadingStatus.DRAFT:
        raise _refused()
    if link.expires_at <= timezone.now():
        raise _expired()
    return link.reading


def _link_by(**lookup: str) -> ReadingLink | None:
    return ReadingLink.objects.select_related("reading", "reading__version").filter(**lookup).first()


def link_resolve(secret: str, *, audit: bool = False) -> Reading:
    """The draft reading a link opens, or ``LinkRefused`` / ``LinkExpired`` with words for the child."""
    if not secret or len(secret) > 100:
        raise _refused()
    reading = _open(_link_by(digest=_digest(secret)))
    if audit:
        record(actor=None, action="assessment.link.open", obj=reading.case, purpose=str(reading.pk), username=CHILD_LINK_USERNAME)
    return reading


def link_expires_at(reading: Reading) -> datetime | None:
    link = ReadingLink.objects.filter(reading=reading).only("expires_at").first()
    return link.expires_at if link else None


def _failures_key(client: str) -> str:
    return f"assessments:code-failures:{_digest(client)[:32]}"


def code_attempts_left(client: str) -> int:
    return max(0, CODE_FAILURES_ALLOWED - int(cache.get(_failures_key(client), 0)))


def _count_failure(client: str) -> None:
    key = _failures_key(client)
    if cache.add(key, 1, timeout=CODE_FAILURE_WINDOW):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=CODE_FAILURE_WINDOW)


def code_resolve(code: str, *, client: str = "") -> Reading:
    """The draft reading a typed code opens. ``client`` (the IP address) may fail 10 times in 15 minutes, then waits."""
    if code_attempts_left(client) <= 0:
        raise TooManyAttempts(_("Too many codes were tried from here. Wait a quarter of an hour, then try again."))
    normalised = normalise_code(code)
    try:
        if len(normalised) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in normalised):
            raise _refused()
        reading = _open(_link_by(code_digest=_code_digest(normalised)))
    except LinkRefused as refusal:
        _count_failure(client)
        record(actor=None, action="assessment.link.code", outcome=Outcome.DENIED, purpose=refusal.code, username=CHILD_LINK_USERNAME)
        raise
    record(actor=None, action="assessment.link.code", obj=reading.case, purpose=str(reading.pk), username=CHILD_LINK_USERNAME)
    return reading


def _finish(*, reading: Reading, actor: Any) -> Reading:
    finished = reading_complete(reading=reading, actor=actor)
    ReadingLink.objects.filter(reading=finished, used_at__isnull=True).update(used_at=timezone.now())
    return finished


@transaction.atomic
def reading_finish(*, reading: Reading, actor: Any) -> Reading:
    """A worker completes a reading (see ``reading_complete``) and closes its link: the child's link no longer opens anything."""
    _require_take(actor, reading.case)
    return _finish(reading=reading, actor=actor)


@dataclass(frozen=True)
class AnswerInput:
    """One answer as a form or the API sends it: ids, checked against the reading's own version."""

    domain_id: int
    respondent: str
    level_id: int | None = None
    declined: bool = False
    wished_level_id: int | None = None


@transaction.atomic
def child_answer(*, secret: str, answer: AnswerInput) -> Answer:
    """The child's own answer on a link: respondent "child" whatever was sent, no account (the audit log says "child-link")."""
    reading = link_resolve(secret)
    own = AnswerInput(
        domain_id=answer.domain_id,
        respondent=Respondent.CHILD,
        level_id=answer.level_id,
        declined=answer.declined,
        wished_level_id=answer.wished_level_id,
    )
    return _record(actor=None, reading=reading, answers=[own])[0]


@transaction.atomic
def child_finish(*, secret: str) -> Reading:
    """The child finishes on the link: the reading counts, and the link stops working."""
    return _finish(reading=link_resolve(secret), actor=None)


def _answers_of(reading: Reading, answers: list[AnswerInput]) -> list[tuple[Domain, AnswerInput, Level | None, Level | None]]:
    domains = {d.pk: d for d in Domain.objects.filter(version_id=reading.version_id)}
    wanted = {a.level_id for a in answers} | {a.wished_level_id for a in answers}
    levels = {
        lv.pk: lv for lv in Level.objects.filter(pk__in=[pk for pk in wanted if pk is not None], domain__version_id=reading.version_id)
    }
    resolved = []
    for answer in answers:
        domain = domains.get(answer.domain_id)
        if domain is None:
            raise ValidationError({"domain": _("This domain is not part of the instrument of this reading.")})
        for pk, field in ((answer.level_id, "level"), (answer.wished_level_id, "wished_level")):
            if pk is not None and pk not in levels:
                raise ValidationError({field: _("This answer does not belong to this domain.")})
        level = levels[answer.level_id] if answer.level_id is not None else None
        wished = levels[answer.wished_level_id] if answer.wished_level_id is not None else None
        resolved.append((domain, answer, level, wished))
    return resolved


def _record(*, actor: Any, reading: Reading, answers: list[AnswerInput]) -> list[Answer]:
    stored = []
    for domain, answer, level, wished in _answers_of(reading, answers):
        stored.append(
            answer_record(
                reading=reading,
                domain=domain,
                respondent=answer.respondent,
                level=level,
                declined=answer.declined,
                wished_level=wished,
                actor=actor,
            )
        )
    return stored


@transaction.atomic
def answers_record(*, actor: Any, reading: Reading, answers: list[AnswerInput]) -> list[Answer]:
    """A worker records several answers at once: all of them, or (on the first refusal) none."""
    _require_take(actor, reading.case)
    return _record(actor=actor, reading=reading, answers=answers)


@transaction.atomic
def reading_enter_from_paper(
    *, actor: Any, case: Case, version: InstrumentVersion, language: str, taken_on: date | None, answers: list[AnswerInput]
) -> Reading:
    """A sheet filled in on paper, typed in afterwards: started, answered and completed at once (mode "paper"), or nothing."""
    reading = reading_start(actor=actor, case=case, version=version, mode=ReadingMode.PAPER, language=language, taken_on=taken_on)
    answers_record(actor=actor, reading=reading, answers=answers)
    return reading_finish(reading=reading, actor=actor)
