# Everyday commands. Every target uses .venv/bin/python directly: no activation needed.
#   make run    - bootstrap, migrate, load demo data, serve on http://127.0.0.1:8000
#                 (SQLite + eager Celery unless DATABASE_URL / REDIS_URL are set in the env or .env)
#   make test   - bootstrap, start PostgreSQL + Redis, run pytest against them (one process per core);
#                 extra args: ARGS="-k foo", one process: TEST_WORKERS=0
#   make lint   - ruff, and lint-imports (the app layers of .importlinter)
#   make check  - migrations up to date + Django's deploy checks with production settings
#   make messages - update locale/*.po (da, en) and compile them
#   make rules  - rewrite docs/rules.md (where each rule ID is implemented and tested)
#   make bench-actions - a fresh embedded demo world (SQLite, jobs in the background thread) and the
#                 time of every action of each role's day (manage.py bench_actions)
#   make worker / make beat - Celery worker / scheduler (set REDIS_URL first)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/boligadmin
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
ARGS ?=
# Test processes (pytest-xdist). "auto" = one per core. `--dist load` hands out the tests in
# pytest-django's order (plain database tests, then transactional ones, then the rest) to each
# worker, so a transactional test's flush never comes before a plain test on the same worker.
TEST_WORKERS ?= auto

.DEFAULT_GOAL := help
.PHONY: help bootstrap services run test lint check messages rules worker beat benchmark bench-actions

help:
	@sed -n 's/^#   //p' $(MAKEFILE_LIST)

bootstrap:
	@bash scripts/bootstrap.sh

services:
	@bash scripts/services.sh

# Any target that only needs the venv gets it made on a fresh clone, without a full bootstrap after.
$(PY):
	@bash scripts/bootstrap.sh

run: bootstrap
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) runserver 127.0.0.1:8000

test: bootstrap services
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" \
	REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" \
	$(PY) -m pytest -n $(TEST_WORKERS) --dist load $(ARGS)

lint: | $(PY)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

# Throwaway secrets, only so that production settings load for the deploy checks.
check: | $(PY)
	$(MANAGE) makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.production \
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(48))')" \
	ALLOWED_HOSTS=example.org \
	CPR_ENCRYPTION_KEYS="$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
	CPR_HASH_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(32))')" \
	$(MANAGE) check --deploy --fail-level WARNING

messages: | $(PY)
	$(MANAGE) makemessages -l da -l en --ignore=.venv --ignore=staticfiles --ignore=node_modules
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules

# The rule index; with ../shared beside the checkout the catalogue snapshot is refreshed first.
rules: | $(PY)
	if [ -f ../shared/docs/RULES.md ]; then $(MANAGE) rule_index --catalogue ../shared/docs/RULES.md; \
	else $(MANAGE) rule_index; fi

worker: | $(PY)
	@[ -n "$${REDIS_URL:-}" ] || grep -qs '^REDIS_URL=.' .env || \
		echo "note: REDIS_URL is not set: the worker uses the in-memory broker and sees no web tasks" >&2
	$(VENV)/bin/celery -A config worker -l info

beat: | $(PY)
	@[ -n "$${REDIS_URL:-}" ] || grep -qs '^REDIS_URL=.' .env || \
		echo "note: REDIS_URL is not set: beat sends to the in-memory broker, no worker will see it" >&2
	$(VENV)/bin/celery -A config beat -l info

# Letter dispatch against bare WeasyPrint rendering, on a fresh PostgreSQL database of its own.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/boligadmin_bench
BENCH_COUNT ?= 10000
benchmark: bootstrap services
	psql "$(dir $(BENCH_DATABASE_URL))postgres" -qc "DROP DATABASE IF EXISTS $(notdir $(BENCH_DATABASE_URL))"
	psql "$(dir $(BENCH_DATABASE_URL))postgres" -qc "CREATE DATABASE $(notdir $(BENCH_DATABASE_URL))"
	DATABASE_URL=$(BENCH_DATABASE_URL) $(MANAGE) migrate -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(MANAGE) benchmark_letters --count $(BENCH_COUNT) --processes 2

# Issue 15's figure: every action of a role's day within 500 ms on the demo data, in the embedded
# mode a newcomer runs (make run): SQLite, jobs in the web process's background thread.
BENCH_SQLITE := var/bench/actions.sqlite3
bench-actions: bootstrap
	mkdir -p var/bench && rm -f $(BENCH_SQLITE) $(BENCH_SQLITE)-wal $(BENCH_SQLITE)-shm
	env -u REDIS_URL DATABASE_URL=sqlite:///$(CURDIR)/$(BENCH_SQLITE) $(MANAGE) migrate -v0
	env -u REDIS_URL DATABASE_URL=sqlite:///$(CURDIR)/$(BENCH_SQLITE) $(MANAGE) seed_demo >/dev/null
	env -u REDIS_URL DATABASE_URL=sqlite:///$(CURDIR)/$(BENCH_SQLITE) $(MANAGE) bench_actions --throwaway $(ARGS)
