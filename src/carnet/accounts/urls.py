from django.urls import path

from carnet.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.security, name="security"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
]
