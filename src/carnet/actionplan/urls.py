from carnet.actionplan import views

app_name = "actionplan"
urlpatterns = [*views.urlpatterns]
