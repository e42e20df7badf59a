"""The referrals API under /api/v1/referrals/: one router assembled from its parts."""

from ninja import Router

from carnet.referrals.api.core import router as core_router
from carnet.referrals.api.dashboard import router as dashboard_router

router = Router(tags=["referrals"])
router.add_router("", dashboard_router)
router.add_router("", core_router)
