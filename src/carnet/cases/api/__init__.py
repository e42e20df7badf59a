"""The cases API under /api/v1/cases/: one router, assembled from one module per part of the case file."""

from ninja import Router

from carnet.cases.api import best_interests, care, core, exports, identification, records

router = Router(tags=["cases"])
router.add_router("", core.router)
router.add_router("", identification.router, tags=["cases: identification"])
router.add_router("", care.router, tags=["cases: care plan"])
router.add_router("", best_interests.router, tags=["cases: best interests"])
router.add_router("", records.router, tags=["cases: notes and documents"])
router.add_router("", exports.router, tags=["cases: exports"])
