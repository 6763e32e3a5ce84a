# The two commands a newcomer needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
LOCK   := requirements-dev.lock
PO     := $(wildcard locale/*/LC_MESSAGES/django.po)
MO     := $(PO:.po=.mo)
export PORTAL_ENV ?= development

.PHONY: help setup run test lint lock messages serve-prod backup restore

help:
	@echo "make run    set up, load the demo data and serve http://127.0.0.1:$(PORT) with a worker"
	@echo "make test   set up and run every test"
	@echo "make setup  install what is missing and migrate (safe to repeat)"
	@echo "make serve-prod  the production topology here: 2 gunicorn (8001, 8002) + 2 workers on PostgreSQL"
	@echo "make lint   ruff check"
	@echo "make lock   re-resolve requirements*.lock from pyproject.toml"
	@echo "make messages  update locale/zh_Hant/LC_MESSAGES/django.po from the code"
	@echo "make backup    pg_dump the database and tar the media files into var/backups/<time>/ (BACKUP_DIR=…)"
	@echo "make restore BACKUP=var/backups/<time>  replace the database and media files with a backup"

# Re-created only when the lock changes; the stamp records what was installed.
$(VENV)/.installed: $(LOCK)
	@test -x $(PY) || { py=$$(scripts/find-python) || exit 1; echo "creating $(VENV) with $$py"; "$$py" -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(LOCK)
	@cp $(LOCK) $@

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po
	@command -v msgfmt >/dev/null || { echo "error: msgfmt not found: install gettext" >&2; exit 1; }
	msgfmt --check -o $@ $<

setup:
	@scripts/system-deps
	@$(MAKE) -s --no-print-directory $(VENV)/.installed $(MO)
	@mkdir -p var
	@$(PY) manage.py migrate --no-input -v 0
	@$(PY) manage.py createcachetable -v 0

# Emails link to where `make run` serves (and the site row, set by migrate, takes its host),
# unless PORTAL_BASE_URL is given.
run: export PORTAL_BASE_URL ?= http://127.0.0.1:$(PORT)
run: setup
	$(PY) manage.py load_demo
	@echo "Serving http://127.0.0.1:$(PORT)/ with one background worker (emails link to $(PORTAL_BASE_URL)); Ctrl-C stops both."
	@$(PY) manage.py portal_worker --no-reload --queue-name '*' --verbosity 0 & worker=$$!; \
	  while true; do $(PY) manage.py send_reminders --verbosity 0; $(PY) manage.py send_event_reminders --verbosity 0; $(PY) manage.py purge_exports --verbosity 0; sleep 3600; done & reminders=$$!; \
	  trap 'kill $$worker $$reminders 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver 127.0.0.1:$(PORT)

serve-prod: setup
	scripts/serve-prod

test: setup
	PORTAL_ENV=test $(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .

lock:
	@test -x $(VENV)/bin/uv || $(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --python-version 3.12 --generate-hashes -q -o requirements.lock
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.12 --generate-hashes -q -o requirements-dev.lock

messages: setup
	$(PY) manage.py makemessages -l zh_Hant --no-obsolete --ignore=.venv --ignore=var --ignore=tests --ignore=bench

# Backups (docs/backup.md): PostgreSQL (DATABASE_URL) only; the venv is all they need.
backup: $(VENV)/.installed
	@scripts/backup $(BACKUP_DIR)

restore: $(VENV)/.installed
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=var/backups/<time> (add RESTORE_CONFIRM=yes to skip the question)" >&2; exit 2; }
	@scripts/restore "$(BACKUP)"
