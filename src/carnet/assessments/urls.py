from django.urls import URLPattern, URLResolver

from carnet.assessments.views import chart, child, dashboard, instruments, outcomes, paper, readings

app_name = "assessments"
urlpatterns: list[URLPattern | URLResolver] = [
    *readings.urlpatterns,
    *child.urlpatterns,
    *paper.urlpatterns,
    *chart.urlpatterns,
    *dashboard.urlpatterns,
    *outcomes.urlpatterns,
    *instruments.urlpatterns,
]
