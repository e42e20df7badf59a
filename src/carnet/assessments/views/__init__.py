"""Pages of the self-assessment tool, one module per part; each lists its own ``urlpatterns``."""
