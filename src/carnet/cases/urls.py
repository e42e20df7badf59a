from django.urls import URLPattern, URLResolver

from carnet.cases.views import best_interests, care, caseload, exports, identification, overview, records

app_name = "cases"
urlpatterns: list[URLPattern | URLResolver] = [
    *caseload.urlpatterns,
    *overview.urlpatterns,
    *identification.urlpatterns,
    *care.urlpatterns,
    *best_interests.urlpatterns,
    *records.urlpatterns,
    *exports.urlpatterns,
]
