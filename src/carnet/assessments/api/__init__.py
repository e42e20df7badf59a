"""The self-assessment API under /api/v1/assessments/."""

from ninja import Router

from carnet.assessments.api import charts, instruments, outcomes, readings

router = Router(tags=["assessments"])
router.add_router("", readings.router)
router.add_router("", charts.router)
router.add_router("", outcomes.router)
router.add_router("", instruments.router)
