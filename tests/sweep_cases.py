"""The tiny scenario shared by the sweep tests (one definition: TOML, and the dict parsed from it)."""

import tomllib

TINY_TOML = """
name = "tiny"
[graph]
n = 600
mean_degree = 6
[[messages]]
name = "buzz"
topic = "hot_topic"
n_origins = 3
[crisis]
start_h = 2
origin = "kol"
strategy = "apologize"
[run]
horizon_h = 48
seed = 5
replicates = 2
"""

TINY = tomllib.loads(TINY_TOML)
