"""The portal's pages under /<language>/: the public site, and its editing pages under /<language>/portal/."""

from carnet.portal.views import editing, public

app_name = "portal"

urlpatterns = [*public.urlpatterns, *editing.urlpatterns]
