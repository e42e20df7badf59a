"""Public reference data: the member states and the WGCC priorities."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from carnet.core.selectors import country_list, priority_list

router = Router(tags=["reference"])


class CountryOut(Schema):
    code: str
    name: str
    is_state: bool
    ncp_status: str


class PriorityOut(Schema):
    number: int
    slug: str
    title: str
    summary: str


@router.get("/countries", response=list[CountryOut], auth=None, summary="Member states and their NCP status")
def countries(request: HttpRequest) -> list[CountryOut]:
    """Names come in the request's language (``Accept-Language``), English when there is no translation."""
    return [CountryOut(code=c.code, name=str(c), is_state=c.is_state, ncp_status=c.ncp_status) for c in country_list()]


@router.get("/priorities", response=list[PriorityOut], auth=None, summary="The WGCC's priorities")
def priorities(request: HttpRequest) -> list[PriorityOut]:
    return [
        PriorityOut(
            number=p.number, slug=p.slug, title=str(p), summary=p.safe_translation_getter("summary", default="", any_language=True) or ""
        )
        for p in priority_list()
    ]
