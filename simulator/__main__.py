"""Run the simulated cloud: `python -m simulator --port 8765 --scenario demo`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from .app import create_app
from .generate import generate_scenario
from .keys import CLOUD
from .scenario import ScenarioError, scenario_names


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Log each request without its query string, which may carry a key or a code."""

    def log(
        self, request: web.BaseRequest, response: web.StreamResponse, time: float
    ) -> None:
        """Write one access line: client, method, path, status and duration."""
        self.logger.info(
            "%s %s %s %s %.3fs",
            request.remote,
            request.method,
            request.path,
            response.status,
            time,
        )


def _option(text: str) -> tuple[str, Any]:
    """Parse --option name=value; the value is JSON when it parses, else a string."""
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError("use --option name=value")
    try:
        return name, json.loads(raw)
    except ValueError:
        return name, raw


def _size(text: str) -> tuple[int, int]:
    """Parse --generate NxM."""
    plants, sep, modules = text.lower().partition("x")
    if not sep or not plants.isdigit() or not modules.isdigit():
        raise argparse.ArgumentTypeError("use --generate PLANTSxMODULES, e.g. 10x50")
    return int(plants), int(modules)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, print the demo credentials and base URL, and serve."""
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--scenario", default="demo", help=f"one of {scenario_names()}")
    parser.add_argument(
        "--generate", type=_size, metavar="NxM", help="serve a generated scenario"
    )
    parser.add_argument(
        "--option", type=_option, action="append", default=[], metavar="NAME=VALUE"
    )
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    source: Any = args.scenario
    if args.generate is not None:
        source = generate_scenario(*args.generate, thermostat_plants=1)
    try:
        app = create_app(source, **dict(args.option))
    except (ScenarioError, ValueError) as err:
        parser.error(str(err))
    cloud = app[CLOUD]
    shown_host = "127.0.0.1" if args.host in {"0.0.0.0", "::"} else args.host  # noqa: S104
    base = f"http://{shown_host}:{args.port}"
    sys.stdout.write(
        f"Simulated Works with Legrand cloud, scenario {cloud.scenario_name}\n"
        f"  client id         {cloud.client_id}\n"
        f"  client secret     {cloud.client_secret}\n"
        f"  subscription key  {cloud.subscription_key}\n"
        f"  login base URL    {base}   (/authorize, /token)\n"
        f"  API base URL      {base}   (/hc/api/v1.0, /smarther/v2.0)\n"
        f"  control API       {base}/_sim/\n"
        f"  accounts          {', '.join(cloud.users)}\n"
    )
    sys.stdout.flush()
    web.run_app(
        app,
        host=args.host,
        port=args.port,
        print=None,
        access_log_class=PathOnlyAccessLogger,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
