from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API: tokens, the REST API and the MCP server"
    # What other apps may import besides selectors/services/models (tests/test_rules.py): none;
    # the API sits at the top and nothing calls up into it.
    public_modules: tuple[str, ...] = ()
