"""Pages of the case file, one module per part; each module lists its own ``urlpatterns``."""
