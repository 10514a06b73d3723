"""The test suite's settings: the portal's own, plus a feature that exists only in the tests
(tests/board), so that every test also sees the core with a feature plugged in."""

from collabhub.settings import *  # noqa: F403
from collabhub.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.board"]
