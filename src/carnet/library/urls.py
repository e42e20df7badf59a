from carnet.library.views import browse, bundle, resources

app_name = "library"
urlpatterns = [*browse.urlpatterns, *resources.urlpatterns, *bundle.urlpatterns]
