"""Side-by-side benchmark of the integration against a baseline poller, on the simulated cloud."""
