"""The project's own lint rules (lint/rules.py): `python -m lint` checks the repository."""
