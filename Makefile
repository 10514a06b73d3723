# CollabHub: `make run` serves the portal, `make test` runs the whole suite.
# Both start from a bare machine (Python 3.11, make, the package registries).

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run dev cluster test lint format messages install install-test vendor chromium haproxy jobs clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed vendor
install-test: $(VENV)/.installed-test vendor chromium haproxy

# htmx, emoji-picker-element (with its emoji data), pdf.js (the PDF viewer, with its
# standard fonts and character maps) and SortableJS (the task board's drag and drop) come from the npm registry at pinned
# versions (package-lock.json) and are copied into static/vendor; nothing is loaded from a CDN.
# The emoji picker is adapted to the CSP as it is copied (see scripts/vendor-emoji-picker.mjs).
# npm comes from Debian's packages when the machine has none.
static/vendor/.stamp: package.json package-lock.json scripts/vendor-emoji-picker.mjs
	@command -v npm >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm >/dev/null; }
	npm ci --no-audit --no-fund --silent
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	node scripts/vendor-emoji-picker.mjs
	rm -rf static/vendor/pdfjs && mkdir -p static/vendor/pdfjs
	cp node_modules/pdfjs-dist/build/pdf.min.mjs node_modules/pdfjs-dist/build/pdf.worker.min.mjs \
		node_modules/pdfjs-dist/LICENSE static/vendor/pdfjs/
	cp -r node_modules/pdfjs-dist/standard_fonts node_modules/pdfjs-dist/cmaps static/vendor/pdfjs/
	cp node_modules/sortablejs/Sortable.min.js static/vendor/sortable.min.js
	touch $@

vendor: static/vendor/.stamp

# Browser tests drive Debian's Chromium, and the QR-code tests read codes with zbarimg;
# install what is missing from Debian's packages.
chromium:
	@missing=""; [ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v zbarimg >/dev/null || missing="$$missing zbar-tools"; \
	if [ -n "$$missing" ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# The cluster (`make cluster`) and its tests (tests/cluster) put HAProxy in front of the nodes:
# Debian's package, installed when missing.
haproxy:
	@command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq haproxy >/dev/null; }

# The portal on this machine, as production serves it (DEBUG off: our error pages, static
# files collected and served by WhiteNoise), over plain HTTP at http://127.0.0.1:$(PORT).
# LOCAL_RUN=1 opts into what one machine needs (settings.py): a secret key generated once
# into var/, the local host names, no HTTPS redirect or secure cookies. Every process gets
# PORT, so the links the portal writes (SITE_URL, unless set) point at this port.
run: export LOCAL_RUN := 1
run: export PORT := $(PORT)
run: install
	mkdir -p var
	$(PY) manage.py check --database default --fail-level ERROR
	$(PY) manage.py migrate --noinput --skip-checks
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	# The periodic jobs (mention digests, ...) and the background-task worker (email, text
	# messages) run beside the server and stop with it. The worker is started only for the
	# database task backend (TASKS_BACKEND=immediate runs the tasks inside the server).
	$(PY) manage.py run_periodic & jobs=$$!; worker=; \
	if [ "$${TASKS_BACKEND:-database}" = database ]; then \
		$(PY) manage.py db_worker --no-reload --no-startup-delay & worker=$$!; fi; \
	trap 'kill $$jobs $$worker 2>/dev/null' EXIT INT TERM; \
		$(PY) -m daphne -b 127.0.0.1 -p $(PORT) collabhub.asgi:application

# Several nodes behind HAProxy on this machine (collabhub/cluster.py; README, "Running several
# nodes"): NODES Daphne processes (default: one per core) on PORT+1..PORT+NODES, HAProxy on
# 127.0.0.1:$(PORT), a periodic runner per node (one works, the lock), the task worker. On
# PostgreSQL and Redis: DATABASE_URL defaults to the local database collabhub (created when
# missing), REDIS_URL to redis://127.0.0.1:6379/0. Ctrl-C stops every process.
cluster: export PORT := $(PORT)
cluster: install haproxy
	mkdir -p var
	$(PY) -m collabhub.cluster $(if $(NODES),--nodes $(NODES))

# The same with DEBUG=1, for developers: Django's debug pages, static files from the sources.
dev:
	$(MAKE) run DEBUG=1

test: install-test
	$(PY) -m pytest $(PYTEST_ARGS)

# ruff, then the project's own rules for past mistakes (lint/rules.py), then migrations.
lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m lint
	$(PY) manage.py makemigrations --check --dry-run

format: install-test
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Regenerate the message catalogues after changing strings (needs gettext).
messages: install
	$(PY) manage.py makemessages -l ru -l en --ignore '.venv/*' --ignore 'node_modules/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*'
	$(PY) manage.py compilemessages --ignore '.venv/*' --ignore 'node_modules/*'

clean:
	rm -rf $(VENV) node_modules static/vendor
