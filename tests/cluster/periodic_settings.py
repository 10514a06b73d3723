"""The portal's settings with one periodic job: the probe of test_periodic_lock.py."""

from collabhub.settings import *  # noqa: F403
from collabhub.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.cluster"]
PERIODIC_JOBS = ["cluster_probe"]
