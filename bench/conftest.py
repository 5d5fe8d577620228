"""The day run uses the test suite's fixtures: Home Assistant against the simulated cloud."""

import importlib

# Imported by name at run time: the test suite's fixtures are not part of the typed harness.
_SUITE = importlib.import_module("tests.conftest")
_FIXTURES = (
    "auto_enable_custom_integrations",
    "cloud",
    "cloud_server",
    "cloud_url",
    "config_entry",
    "credentials",
    "no_request_spacing",
    "no_secret_in_logs",
    "secrets",
)
globals().update({name: getattr(_SUITE, name) for name in _FIXTURES})
