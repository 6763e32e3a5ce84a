"""The test settings: the one settings module with PORTAL_ENV=test (see settings.py)."""

import os

os.environ["PORTAL_ENV"] = "test"

from alliance_portal.settings import *  # noqa: E402, F403
