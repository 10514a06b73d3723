"""The demo data's hook for features: `seed_demo` sends `demo_seeded` once the demo people,
collabs and conversations are there, and each installed feature adds its part (a few tasks,
meetings...) if the collab has none of it yet. The chat never names a feature."""

from django.dispatch import Signal

# sender=None, users={email: User}, collabs={name: Collab}
demo_seeded = Signal()
