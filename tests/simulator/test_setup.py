"""Building the simulator: options, scenario checks, the generator, the command line, the guard."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
import json
import logging
from pathlib import Path
from typing import Any
from unittest.mock import patch

from aiohttp import web
from aiohttp.test_utils import TestClient, make_mocked_request
from freezegun.api import FrozenDateTimeFactory
import pytest

from simulator import CLOUD, SimulatedCloud, create_app
from simulator.__main__ import PathOnlyAccessLogger, main as cli_main
from simulator.generate import generate_scenario, main as generate_main
from simulator.options import OptionError, Options
from simulator.scenario import ScenarioError, build
from tests.moments import START

from .conftest import MakeClient
from .helpers import DEMO, HC_BASE, headers


def test_contract_credentials_and_reply_urls() -> None:
    """The demo accepts the documented reply URLs and a UUID client id and 32-hex key."""
    cloud = create_app("demo")[CLOUD]
    for url in (
        "https://my.home-assistant.io/redirect/oauth",
        "http://localhost:8123/auth/external/callback",
        "http://127.0.0.1:8123/auth/external/callback",
        "https://example.com/auth/external/callback",
    ):
        assert url in cloud.redirect_uris
    assert len(cloud.client_id) == 36
    assert len(cloud.subscription_key) == 32
    int(cloud.subscription_key, 16)
    extra = create_app("demo", redirect_uris=["http://localhost:9999/cb"])[CLOUD]
    assert "http://localhost:9999/cb" in extra.redirect_uris


@pytest.mark.parametrize(
    "options",
    [
        {"colour": "blue"},
        {"quota_limit": "500"},
        {"quota_limit": -1},
        {"quota_limit": True},
        {"burst_window": "10"},
        {"auto_consent": 1},
        {"token_fields": "neither"},
        {"quota_timezone": "Nowhere/Town"},
        {"redirect_uris": "http://x"},
        {"issuer": 5},
    ],
)
def test_bad_options_are_refused(options: dict[str, Any]) -> None:
    """An unknown option or a bad value fails at once with a clear message."""
    with pytest.raises(OptionError):
        create_app("demo", **options)


def test_options_accept_their_variants() -> None:
    """Every documented variant is accepted."""
    options = Options().with_overrides(
        {
            "burst_limit": None,
            "burst_window": 5,
            "issuer": "https://login.example/",
            "quota_status": 429,
            "redirect_uris": ["http://a/cb"],
        }
    )
    assert (options.burst_limit, options.burst_window, options.quota_status) == (
        None,
        5.0,
        429,
    )
    assert options.as_dict()["redirect_uris"] == ["http://a/cb"]


def test_custom_issuer() -> None:
    """The issuer can be configured for clients that expect another one."""
    cloud = create_app("demo", issuer="https://login.example/tenant/v2.0/")[CLOUD]
    assert cloud.issuer == "https://login.example/tenant/v2.0/"


def _broken(path: list[Any], value: Any) -> dict[str, Any]:
    """Return the demo scenario with one value replaced."""
    scenario = copy.deepcopy(DEMO)
    target: Any = scenario
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return scenario


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["app"], None, "app must be an object"),
        (["app", "subscription_keys"], [], "subscription_keys"),
        (["app", "client_id"], 5, "client_id must be a string"),
        (["users"], {}, "users must be a list"),
        (["users", 1, "email"], "demo@example.com", "duplicate user"),
        (
            ["users", 0, "homecontrol", 0, "ambients", 0, "modules", 0, "level"],
            300,
            "level must be 0 to 100",
        ),
        (
            ["users", 0, "homecontrol", 0, "ambients", 0, "modules", 0, "status"],
            "dim",
            "status must be on or off",
        ),
        (
            ["users", 0, "homecontrol", 0, "modules", 0, "id"],
            "000070ee503ed5d46275620000000001",
            "duplicate module id",
        ),
        (
            ["users", 0, "homecontrol", 0, "scenes", 0, "actions", 0, "module"],
            "missing",
            "unknown module",
        ),
        (
            ["users", 0, "smarther", 0, "timezone"],
            "Atlantis/Capital",
            "unknown time zone",
        ),
        (["users", 0, "smarther", 0, "thermostats", 0, "program"], 9, "program 9"),
        (
            ["users", 0, "smarther", 0, "thermostats", 0, "mode"],
            "party",
            "bad function or mode",
        ),
        (
            ["users", 0, "smarther", 0, "thermostats", 0, "programs"],
            [],
            "at least one program",
        ),
        (
            ["users", 0, "smarther", 0, "thermostats", 0, "programs", 1, "schedule"],
            {"mon": [["06:00", 20]]},
            "no schedule for",
        ),
        (
            ["users", 0, "smarther", 0, "thermostats", 0, "programs", 1, "schedule"],
            {"all": [["25:00", 20]]},
            "bad time",
        ),
        (
            ["users", 0, "smarther", 0, "thermostats", 0, "programs", 1, "schedule"],
            {"always": []},
            "unknown schedule keys",
        ),
        (
            ["users", 0, "smarther", 0, "thermostats", 0, "programs", 1, "schedule"],
            {"all": []},
            "a day needs",
        ),
        (
            ["users", 0, "smarther", 0, "thermostats", 0, "programs", 1, "number"],
            12,
            "0 to 11",
        ),
        (
            ["users", 0, "smarther", 0, "thermostats", 0, "activation_end"],
            "later",
            "activation_end",
        ),
        (
            ["users", 0, "smarther", 0, "id"],
            DEMO["users"][0]["homecontrol"][0]["id"],
            "duplicate plant id",
        ),
    ],
)
def test_scenario_errors_say_where(path: list[Any], value: Any, message: str) -> None:
    """A broken scenario is refused with a message naming the problem."""
    with pytest.raises(ScenarioError, match=message):
        build(_broken(path, value), START)


def test_a_fixed_start_makes_the_scenario_independent_of_the_machine_clock(
    freezer: FrozenDateTimeFactory,
) -> None:
    """Built with a start, the scenario and the clock are there whatever the machine says."""
    statuses = []
    for machine_time in (
        datetime(2026, 11, 29, 2, 0, tzinfo=UTC),
        datetime(2031, 6, 15, 18, 30, tzinfo=UTC),
    ):
        freezer.move_to(machine_time)
        cloud = create_app("demo", start=START)[CLOUD]
        assert cloud.clock.now() == START
        statuses.append(cloud.state()["smarther"])
        # A reloaded scenario starts at the same moment again, wherever the clock went.
        cloud.clock.advance(3600)
        cloud.load("demo")
        assert cloud.clock.now() == START
    assert statuses[0] == statuses[1]
    with pytest.raises(ValueError, match="UTC offset"):
        create_app("demo", start=datetime(2026, 1, 14, 9, 0))


def test_generator_sizes() -> None:
    """N plants x M modules, thermostat plants, spread over users; loadable."""
    scenario = generate_scenario(4, 25, thermostat_plants=2, thermostats=3, users=2)
    users = scenario["users"]
    assert users[0]["email"] == "demo@example.com"
    assert [len(u["homecontrol"]) for u in users] == [2, 2]
    plant = users[0]["homecontrol"][0]
    modules = plant["modules"] + [m for a in plant["ambients"] for m in a["modules"]]
    assert len(modules) == 25
    assert sum(m["device"] == "energymeter" for m in modules) == 1
    assert all(len(a["modules"]) <= 6 for a in plant["ambients"])
    assert len(users[1]["smarther"][0]["thermostats"]) == 3
    cloud = create_app(scenario)[CLOUD]
    assert len(cloud.world.hc_plants) == 4
    assert len(cloud.world.smarther_plants) == 2
    assert generate_scenario(4, 25) == generate_scenario(4, 25)
    with pytest.raises(ValueError, match="negative"):
        generate_scenario(-1, 5)


async def test_generated_account_serves_every_plant(make_client: MakeClient) -> None:
    """A 20 x 50 account answers its plants list and each plant's status."""
    client = await make_client(generate_scenario(20, 50), burst_limit=None)
    cloud = client.app[CLOUD]
    sent = headers(cloud)
    plants = (await (await client.get(f"{HC_BASE}/plants", headers=sent)).json())[
        "plants"
    ]
    assert len(plants) == 20
    total = 0
    for plant in plants:
        status = await (
            await client.get(f"{HC_BASE}/plants/{plant['id']}", headers=sent)
        ).json()
        total += sum(len(entries) for entries in status["modules"].values())
    assert total == 20 * 50
    assert cloud.counters["total"] == 21


def test_generator_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The generator writes JSON to a file or to standard output."""
    target = tmp_path / "big.json"
    assert (
        generate_main(["--plants", "2", "--modules", "3", "--output", str(target)]) == 0
    )
    assert json.loads(target.read_text("utf-8"))["name"] == "generated-2x3"
    assert generate_main(["--plants", "1", "--modules", "1"]) == 0
    assert (
        json.loads(capsys.readouterr().out)["users"][0]["homecontrol"][0]["name"]
        == "Plant 0"
    )
    with pytest.raises(SystemExit):
        generate_main(["--plants", "-3"])


def test_command_line_prints_credentials_and_serves(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Python -m simulator prints the client id, secret, key and base URL, then serves."""
    with patch("simulator.__main__.web.run_app") as run_app:
        assert (
            cli_main(
                [
                    "--port",
                    "8799",
                    "--option",
                    "quota_limit=50",
                    "--option",
                    "quota_timezone=Europe/Paris",
                ]
            )
            == 0
        )
    out = capsys.readouterr().out
    cloud = run_app.call_args.args[0][CLOUD]
    assert cloud.options.quota_limit == 50
    assert cloud.options.quota_timezone == "Europe/Paris"
    for text in (
        cloud.client_id,
        cloud.client_secret,
        cloud.subscription_key,
        "http://127.0.0.1:8799",
    ):
        assert text in out
    assert run_app.call_args.kwargs["port"] == 8799


def test_access_log_leaves_out_the_query(caplog: pytest.LogCaptureFixture) -> None:
    """The command line's access log never writes a query string (it may carry a key)."""
    request = make_mocked_request(
        "GET", "/smarther/v2.0/plants?subscription-key=secret-key"
    )
    logger = PathOnlyAccessLogger(logging.getLogger("aiohttp.access"), "")
    with caplog.at_level(logging.INFO):
        logger.log(request, web.Response(status=200), 0.01)
    assert "/smarther/v2.0/plants 200" in caplog.text
    assert "secret-key" not in caplog.text


def test_command_line_generated_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    """--generate serves a generated account; bad arguments exit with a message."""
    with patch("simulator.__main__.web.run_app") as run_app:
        assert cli_main(["--generate", "3x4", "--host", "0.0.0.0"]) == 0
    assert len(run_app.call_args.args[0][CLOUD].world.hc_plants) == 3
    assert "http://127.0.0.1:8765" in capsys.readouterr().out
    for argv in (
        ["--generate", "lots"],
        ["--option", "noequals"],
        ["--option", "colour=blue"],
        ["--scenario", "nope"],
    ):
        with patch("simulator.__main__.web.run_app"), pytest.raises(SystemExit):
            cli_main(argv)


async def test_a_crash_becomes_a_logged_500(
    client: TestClient[Any, Any],
    sim_cloud: SimulatedCloud,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The last-resort guard answers 500 in the gateway's shape and counts it."""
    with patch.object(SimulatedCloud, "state", side_effect=RuntimeError("boom")):
        response = await client.get("/_sim/state")
    assert response.status == 500
    assert await response.json() == {
        "statusCode": 500,
        "message": "Internal server error",
    }
    assert sim_cloud.counters["unhandled"] == 1
    assert "Unexpected error on GET /_sim/state" in caplog.text
    sim_cloud.metering.unhandled = 0
