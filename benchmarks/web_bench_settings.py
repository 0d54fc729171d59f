"""Settings for the web benchmarks: Ethos's own settings, plus one baseline URL.

Used only by ``benchmarks/web_*.py`` (with ``benchmarks/`` on ``PYTHONPATH``); everything
else, the database options included, is exactly what ``ethos serve`` runs with.
"""

from ethos.web.settings import *  # noqa: F403

ROOT_URLCONF = "web_bench_urls"
