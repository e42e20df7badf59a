"""The directory's pages under /<language>/directory/."""

from carnet.directory.views import contacts, exports, importing, people

app_name = "directory"

urlpatterns = [*people.urlpatterns, *exports.urlpatterns, *importing.urlpatterns, *contacts.urlpatterns]
