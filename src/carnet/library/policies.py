"""Who may see, write, review and publish library resources (docs/decisions/0010).

Seeing:
* ``public`` resources: everyone, signed in or not;
* ``members``: anyone with an active membership of the network;
* ``restricted``: holders of the one role the resource is restricted to (in any country),
  and the secretariat, which runs the library.
Someone who may not see a resource cannot learn that it exists: lists, search, facets and
the API filter in SQL (:meth:`LibraryPolicy.visible`), and a direct address answers 404.
Drafts and resources in review are seen only by their editors.

Writing: the **secretariat** creates and edits every resource and reviews and publishes;
a **national contact point** or **national coordinator** creates resources and edits the
ones they created, and submits them for review — four eyes, as on the portal. Anything
not listed is denied (carnet.core.policies.Policy).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from django.db.models import Model, Q, QuerySet

from carnet.accounts.models import Role
from carnet.accounts.roles import grants_of
from carnet.core.policies import Policy, Rule
from carnet.library.models import Resource, Visibility

M = TypeVar("M", bound=Model)

CONTRIBUTORS = (Role.NCP, Role.COORDINATOR)


class LibraryAction(StrEnum):
    VIEW = "view"  # obj: a Resource (published versions only, unless one may edit it)
    CREATE = "create"
    EDIT = "edit"  # save a language version (text, file), submit it; obj: a Resource
    REVIEW = "review"  # send back
    PUBLISH = "publish"  # publish, withdraw
    BUNDLE = "bundle"  # build an offline bundle from the web (the command needs no policy: it is the operator)


def _active(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def roles_of(actor: Any) -> set[str]:
    return {str(g.role) for g in grants_of(actor)} if _active(actor) else set()


def is_secretariat(actor: Any) -> bool:
    return Role.SECRETARIAT in roles_of(actor)


def visibility_q(actor: Any, prefix: str = "") -> Q:
    """The resources ``actor`` may know of, as a filter on Resource (or, with ``prefix``, on a related model)."""
    roles = roles_of(actor)
    if Role.SECRETARIAT in roles:
        return Q()
    q = Q(**{f"{prefix}visibility": Visibility.PUBLIC})
    if roles:
        q |= Q(**{f"{prefix}visibility": Visibility.MEMBERS})
        q |= Q(**{f"{prefix}visibility": Visibility.RESTRICTED, f"{prefix}restricted_to__in": sorted(roles)})
    return q


def may_see(actor: Any, resource: Resource) -> bool:
    if resource.visibility == Visibility.PUBLIC:
        return True
    roles = roles_of(actor)
    if Role.SECRETARIAT in roles:
        return True
    if resource.visibility == Visibility.MEMBERS:
        return bool(roles)
    return resource.restricted_to in roles


def _edit(actor: Any, obj: Any) -> bool:
    roles = roles_of(actor)
    if Role.SECRETARIAT in roles:
        return True
    if not roles & set(CONTRIBUTORS):
        return False
    return obj is None or (isinstance(obj, Resource) and obj.created_by_id == actor.pk)


def _create(actor: Any, obj: Any) -> bool:
    return bool(roles_of(actor) & {Role.SECRETARIAT, *CONTRIBUTORS})


def _secretariat(actor: Any, obj: Any) -> bool:
    return is_secretariat(actor)


def _view(actor: Any, obj: Any) -> bool:
    return obj is None or (isinstance(obj, Resource) and may_see(actor, obj))


class LibraryPolicy(Policy):
    rules: ClassVar[dict[str, Rule]] = {
        LibraryAction.VIEW: _view,
        LibraryAction.CREATE: _create,
        LibraryAction.EDIT: _edit,
        LibraryAction.REVIEW: _secretariat,
        LibraryAction.PUBLISH: _secretariat,
        LibraryAction.BUNDLE: _secretariat,
    }

    @classmethod
    def visible(cls, actor: Any, queryset: QuerySet[M]) -> QuerySet[M]:
        """Resources (or search documents) the actor may know of, in SQL."""
        return queryset.filter(visibility_q(actor))

    @classmethod
    def editable(cls, actor: Any, queryset: QuerySet[Resource]) -> QuerySet[Resource]:
        roles = roles_of(actor)
        if Role.SECRETARIAT in roles:
            return queryset
        if roles & set(CONTRIBUTORS):
            return queryset.filter(created_by_id=actor.pk)
        return queryset.none()
