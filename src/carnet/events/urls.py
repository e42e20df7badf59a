from carnet.events.views import calendar, feeds, manage, outcomes

app_name = "events"
urlpatterns = [*calendar.urlpatterns, *manage.urlpatterns, *outcomes.urlpatterns, *feeds.urlpatterns]
