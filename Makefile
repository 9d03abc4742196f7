# Jiceng — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
SEED ?= 1
DEMO_PASSWORD ?= demo12345
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/jiceng
# The PostgreSQL run moves the clock here (a new year the holiday library does not know yet), so
# a test that depends on today's date fails now, not on the day it goes off.
MOVED_NOW ?= 2027-01-04
VENDOR := jiceng/core/static/vendor

.PHONY: run test setup lint check test-sqlite test-postgres test-moved-clock bench-smoke demo bench clean

$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/.copied: node_modules/.installed package.json
	mkdir -p $(VENDOR)
	cp node_modules/@tabler/core/dist/css/tabler.min.css $(VENDOR)/
	cp node_modules/@tabler/core/dist/js/tabler.min.js $(VENDOR)/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	# Noto Sans SC (SIL OFL), regular and bold, split by the font's own unicode ranges: a browser
	# that lacks a Chinese font downloads only the pieces a page uses (docs/deployment.md, "Fonts").
	mkdir -p $(VENDOR)/fonts/files
	cp node_modules/@fontsource/noto-sans-sc/LICENSE $(VENDOR)/fonts/LICENSE-noto-sans-sc.txt
	cp node_modules/@fontsource/noto-sans-sc/files/noto-sans-sc-*-400-normal.woff2 node_modules/@fontsource/noto-sans-sc/files/noto-sans-sc-*-700-normal.woff2 $(VENDOR)/fonts/files/
	cat node_modules/@fontsource/noto-sans-sc/400.css node_modules/@fontsource/noto-sans-sc/700.css \
		| sed -e "s/'Noto Sans SC'/'Jiceng Sans SC'/" -e "s/, url([^)]*\.woff) format('woff')//" > $(VENDOR)/fonts/jiceng-sans-sc.css
	touch $@

setup: $(BIN)/.installed $(VENDOR)/.copied
	mkdir -p var

run: setup
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py demo_county --seed $(SEED) --password $(DEMO_PASSWORD) --if-empty
	$(BIN)/python manage.py collectstatic --noinput -v0
	@echo ""
	@echo "Jiceng 基层党建 is starting on http://$(HOST):$(PORT)/"
	@echo "演示账号（密码 $(DEMO_PASSWORD)）："
	@echo "  demo-county    县委组织部管理员（全县）"
	@echo "  demo-township  第一个乡镇党委的管理员"
	@echo "  demo-branch    该乡镇某党支部书记"
	@echo "  demo-member    该支部的一名党员"
	@echo "在浏览器打开上面的地址，用任一账号登录。按 Ctrl+C 停止。"
	@echo "定时任务（提醒、超期通知）在后台运行：manage.py run_scheduler"
	@echo ""
	scripts/serve.sh $(BIN) $(HOST) $(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check jiceng bench scripts
	PYTHONPATH=$(CURDIR) $(BIN)/lint-imports --no-logo  # the floor plan (.importlinter, docs/architecture.md)
	$(BIN)/python manage.py makemigrations --check --dry-run -v1

# The whole suite: SQLite at today's date; PostgreSQL (required in CI) with the clock moved to
# MOVED_NOW, so both databases and both dates are covered in two runs; without PostgreSQL the
# moved-clock run is made on SQLite. And every benchmark in its smoke mode.
# The three runs share nothing (in-memory SQLite test databases, a PostgreSQL test database,
# throwaway bench databases), so they run side by side; each one's output is printed whole when
# it ends. `make test-sqlite` etc. still run one alone.
test: lint
	$(MAKE) --no-print-directory -j3 --output-sync=target test-sqlite test-postgres bench-smoke

test-sqlite: setup
	@echo "== Test suite on SQLite =="
	DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 $(BIN)/pytest -q --durations=30

test-postgres: setup
	@if $(BIN)/python scripts/db_reachable.py "$(TEST_DATABASE_URL)"; then \
		echo "== Test suite on PostgreSQL ($(TEST_DATABASE_URL)), clock moved to $(MOVED_NOW) =="; \
		DATABASE_URL="$(TEST_DATABASE_URL)" JICENG_TEST_NOW="$(MOVED_NOW)" $(BIN)/pytest -q --durations=30 -m "not sqlite_only"; \
	elif [ -n "$$JICENG_REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL is required (JICENG_REQUIRE_POSTGRES) but not reachable at $(TEST_DATABASE_URL)"; exit 1; \
	else \
		echo "SKIPPED: PostgreSQL test run — no server reachable at $(TEST_DATABASE_URL) (set TEST_DATABASE_URL)"; \
		$(MAKE) --no-print-directory test-moved-clock; \
	fi

# Every test with the clock moved (jiceng/conftest.py, --now): `make test-moved-clock MOVED_NOW="2026-12-31 23:59"`.
test-moved-clock: setup
	@echo "== Test suite on SQLite with the clock moved to $(MOVED_NOW) =="
	DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 JICENG_TEST_NOW="$(MOVED_NOW)" $(BIN)/pytest -q --durations=30

# Every bench script in its smoke mode (tiny demo, ORM and hand SQL must agree, no page answers 500).
bench-smoke: setup
	scripts/bench_smoke.sh $(BIN)/python

demo: setup
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py demo_county --seed $(SEED) --password $(DEMO_PASSWORD)

bench: setup
	@for script in bench/bench_*.py; do echo "== $$script =="; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf var/static var/test.sqlite3 $(VENDOR)
