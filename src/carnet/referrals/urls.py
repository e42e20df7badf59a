"""Pages of referrals under /<language>/referrals/. Each views module lists its own patterns."""

from carnet.referrals.views import boxes, create, dashboard, detail

app_name = "referrals"

urlpatterns = [*boxes.urlpatterns, *create.urlpatterns, *detail.urlpatterns, *dashboard.urlpatterns]
