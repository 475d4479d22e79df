# KSSP Platform — two commands: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
export PYTHONDONTWRITEBYTECODE = 1

.PHONY: demo test install bench-install messages system-deps lint typecheck checks pytest test-postgres serve clean benchmarks

$(STAMP): requirements.lock
	test -x $(PYTHON) || $(PY) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet --no-deps -r requirements.lock
	touch $(STAMP)

install: $(STAMP)

# Peer libraries used only as benchmark baselines (config/settings_bench.py), never by the product.
$(BENCH_STAMP): requirements-bench.lock $(STAMP)
	$(PYTHON) -m pip install --quiet --no-deps -r requirements-bench.lock
	touch $(BENCH_STAMP)

bench-install: $(BENCH_STAMP)

# Debian packages the platform and its tests need: gettext (msgfmt), chromium for browser tests,
# DejaVu fonts for PDFs, poppler-utils (pdftotext) for the PDF test.
system-deps:
	@missing=""; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null \
	  || { echo "Could not install$$missing (need root and the Debian mirror)"; exit 1; }; \
	fi

messages: $(STAMP)
	KSSP_TESTING=1 $(PYTHON) manage.py kssp_messages

var/secrets.env: $(STAMP)
	$(PYTHON) scripts/init_secrets.py

# `make demo PORT=8010` serves on another port.
PORT ?= 8000
demo: export KSSP_DEMO = 1
demo: export KSSP_DEMO_PORT = $(PORT)
demo: system-deps $(STAMP) var/secrets.env messages
	$(PYTHON) manage.py migrate --no-input
	$(PYTHON) manage.py seed_demo
	$(PYTHON) manage.py run_demo --addrport 127.0.0.1:$(PORT)

# The production server (docs/deploy.md): gunicorn with static files by WhiteNoise, task workers and the
# periodic sweeper as separate supervised processes. Needs the environment of docs/deploy.md (DATABASE_URL,
# the keys, KSSP_ALLOWED_HOSTS, ...): it refuses to start without it, naming what is missing.
# `make serve BIND=0.0.0.0:8000` listens elsewhere than 127.0.0.1:$(PORT).
BIND ?= 127.0.0.1:$(PORT)
SERVE_ENV := DJANGO_SETTINGS_MODULE=config.settings_production
serve: $(STAMP)
	$(SERVE_ENV) $(PYTHON) manage.py kssp_messages
	$(SERVE_ENV) $(PYTHON) manage.py migrate --no-input
	$(SERVE_ENV) $(PYTHON) manage.py collectstatic --no-input --verbosity 0
	$(SERVE_ENV) $(PYTHON) manage.py run_serve --bind $(BIND)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	KSSP_TESTING=1 $(BIN)/mypy kssp config

checks: $(STAMP) messages
	KSSP_TESTING=1 $(PYTHON) manage.py check
	KSSP_TESTING=1 $(PYTHON) manage.py makemigrations --check --dry-run
	KSSP_TESTING=1 $(PYTHON) manage.py spectacular --validate --fail-on-warn --file /dev/null

pytest: $(STAMP) $(BENCH_STAMP) messages
	KSSP_TESTING=1 $(BIN)/pytest -n 2 --durations=25 $(PYTEST_ARGS)

test: system-deps install lint typecheck checks pytest

# The suite again on PostgreSQL (no browser tests); .ci/run calls this after `make test`.
test-postgres: $(STAMP) $(BENCH_STAMP) messages
	KSSP_TESTING=1 KSSP_SKIP_BROWSER=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/kssp \
	  $(BIN)/pytest -n 2 --durations=25 $(PYTEST_ARGS)

benchmarks: $(STAMP) $(BENCH_STAMP)
	KSSP_TESTING=1 $(PYTHON) benchmarks/run_all.py --database sqlite
	KSSP_TESTING=1 $(PYTHON) benchmarks/run_all.py --database postgresql

clean:
	rm -rf $(VENV) var/*.sqlite3* var/staticfiles
