from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "carnet.api"
    label = "carnet_api"
    verbose_name = "API"
