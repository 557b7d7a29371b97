# Jingzhun: two commands for a newcomer — `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := $(CURDIR)/.tools/bin/uv
endif
RUN := $(UV) run --frozen
# OFFLINE=1: an unpacked `make bundle` on a machine without package registries (scripts/install-offline): the
# packages come from offline/wheels into .venv and the commands run straight from it, nothing is fetched
ifeq ($(OFFLINE),1)
RUN := PATH="$(CURDIR)/.venv/bin:$$PATH" VIRTUAL_ENV="$(CURDIR)/.venv"
endif
PG_URL ?= postgres://postgres@127.0.0.1:5432/jingzhun
DEMO_COUNTY ?= 522634
DEMO_HOUSEHOLDS ?= 3000
HOST ?= 127.0.0.1:8000

.PHONY: help bundle tools install assets pdf-deps browser migrate demo demo-setup serve test test-sqlite test-postgres lint format messages bench bench-analytics java

help:
	@echo "make demo   install, migrate, load region codes, seed the demo county, serve at http://$(HOST)"
	@echo "make test   install, lint, then the whole suite on SQLite and on PostgreSQL"
	@echo "make bundle an offline bundle in dist/ for machines without package registries (README: Offline install)"

BUNDLE_EXTRAS ?=

bundle: assets  ## dist/jingzhun-bundle-*.tar.gz: source, wheels, assets, region codes, fonts for an offline `make demo OFFLINE=1`
	UV="$(UV)" BUNDLE_EXTRAS="$(BUNDLE_EXTRAS)" scripts/bundle

ifeq ($(OFFLINE),1)
tools assets: ; @:

install:  ## from offline/ only: uv's own wheel, the wheels, the region codes, the fonts
	scripts/install-offline --install-only

APT_INSTALL = echo "OFFLINE=1: no apt-get here; install from the intranet's Debian mirror:" >&2; false

pdf-deps:
	@PATH=$$PATH:/usr/sbin:/sbin ldconfig -p | grep -q libpangoft2-1.0 || echo "注意：缺少 Pango，PDF 无法生成（网页不受影响）" >&2
else
tools:  ## uv (Python packaging) if missing: its binary from its wheel into .tools/bin (no pip: Debian's python3 has none)
	@$(UV) --version >/dev/null 2>&1 || python3 scripts/get-uv "$(CURDIR)/.tools/bin" >/dev/null

install: tools assets
	$(UV) sync --frozen --compile-bytecode  # precompiled: every command starts ~1 s faster where .pyc files are not written

assets:  ## front-end libraries from npm, served as our own static files (Node.js/npm from Debian when missing)
	@command -v npm >/dev/null 2>&1 || { $(APT_INSTALL) nodejs npm >/dev/null; }
	npm ci --no-audit --no-fund --loglevel=error

APT_INSTALL = SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq

pdf-deps:  ## Pango and the Noto CJK font: WeasyPrint renders the PDFs (handbooks, forms) with them
	@{ ldconfig -p | grep -q libpangoft2-1.0 && fc-list 2>/dev/null | grep -q "Noto Sans CJK"; } || { \
	  $(APT_INSTALL) fontconfig fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; }
endif

java:  ## a Java runtime for PySpark (the analytics engine test runs Spark local[2])
	@command -v java >/dev/null 2>&1 || { $(APT_INSTALL) default-jre-headless >/dev/null; }  # 17 on Debian 12, 21 on 13: both run PySpark 4

browser: pdf-deps java  ## Debian's Chromium for the browser tests (Playwright drives it; nothing is downloaded by Playwright)
	@test -x /usr/bin/chromium || { $(APT_INSTALL) chromium >/dev/null; }

migrate: install
	$(RUN) jingzhun migrate --no-input -v0

demo-setup: migrate pdf-deps
	$(RUN) jingzhun regions load --skip-if-loaded || { echo "全国区划加载失败，改用随附的雷山县区划摘录"; $(RUN) jingzhun regions load --extract; }
	$(RUN) jingzhun demo-data --region $(DEMO_COUNTY) --households $(DEMO_HOUSEHOLDS) --seed 2026 --skip-if-present
	$(RUN) jingzhun demo-accounts
	$(RUN) jingzhun demo-identification
	$(RUN) jingzhun demo-assistance
	$(RUN) jingzhun demo-monitoring
	$(RUN) jingzhun demo-projects
	$(RUN) jingzhun demo-funds
	$(RUN) jingzhun demo-analytics
	$(RUN) jingzhun demo-assessment
	$(RUN) jingzhun demo-villages
	$(RUN) jingzhun demo-targets
	$(RUN) jingzhun demo-cycle
	$(RUN) jingzhun demo-quality
	$(RUN) jingzhun warning-score --install-synthetic

demo: demo-setup serve

serve:  ## the web server and the task worker (imports run there); Ctrl-C stops both
	@echo "打开 http://$(HOST)/ 用上面的演示账号登录（Ctrl-C 停止）"
	@$(RUN) jingzhun db_worker --no-startup-delay & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(RUN) jingzhun runserver $(HOST)

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports
	$(RUN) jingzhun makemigrations --check --dry-run -v0

format:
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

test: install browser lint test-sqlite test-postgres

test-sqlite:
	@echo "== test suite on SQLite"
	env -u DATABASE_URL $(RUN) pytest

test-postgres:
	@echo "== test suite on PostgreSQL ($(PG_URL))"
	@if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || $(RUN) python -c "import psycopg; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0] + '/postgres').close()" 2>/dev/null; then \
	  DATABASE_URL=$(PG_URL) $(RUN) pytest; \
	else \
	  echo "PostgreSQL is not reachable at $(PG_URL): the suite runs on a throwaway cluster of its own"; \
	  scripts/pg-throwaway $(RUN) pytest; \
	fi

messages:  ## re-extract the English catalogue and compile it (needs gettext)
	cd src/jingzhun && $(UV) run --frozen jingzhun makemessages -l en --ignore "migrations/*" && $(UV) run --frozen jingzhun compilemessages

bench: install
	$(RUN) python bench/regions_load.py
	$(RUN) python bench/demo_data.py

BENCH_DATA ?= var/bench
BENCH_DB ?= $(PG_URL)_bench_analytics

bench-analytics: install  ## national synthetic snapshot (30 M households), rollups on DuckDB and PostgreSQL, dashboards under load
	psql "$(PG_URL:%/jingzhun=%/postgres)" -c 'DROP DATABASE IF EXISTS jingzhun_bench_analytics WITH (FORCE)' -c 'CREATE DATABASE jingzhun_bench_analytics'
	DATABASE_URL=$(BENCH_DB) $(RUN) jingzhun migrate -v0
	DATABASE_URL=$(BENCH_DB) $(RUN) jingzhun regions load
	$(RUN) python bench/national_snapshot.py --out $(BENCH_DATA) --households 30000000 --database $(BENCH_DB)
	$(RUN) python bench/rollup_bench.py --snapshot $(BENCH_DATA)/2016
	$(RUN) python bench/pg_registry_from_snapshot.py --snapshot $(BENCH_DATA)/2016 --households 1000000 --database $(BENCH_DB)
	$(RUN) python bench/rollup_bench.py --engine postgres --database $(BENCH_DB) --year 2016
	$(RUN) python bench/dashboard_load.py --snapshot $(BENCH_DATA)/2016 --database $(BENCH_DB)
