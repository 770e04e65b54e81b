# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1:8000
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: run test lint format setup migrate demo messages bench bench-quick bench-profile bench-compare worker clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo_data
	$(BIN)/python manage.py load_stage2_demo

# The periodic tasks run beside the server, as beat would run them with a broker.
run: demo
	$(BIN)/python manage.py run_schedule & schedule=$$!; \
	trap 'kill $$schedule 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST)

worker: setup
	$(BIN)/celery -A config worker --loglevel=info

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: setup lint
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest $(PYTEST_ARGS)

messages: setup
	for lang in en uk pl ru he; do $(BIN)/python manage.py makemessages --locale $$lang --ignore '.venv/*' --ignore 'bench/*' --no-obsolete; done
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

bench: setup
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-quick: setup
	$(BIN)/python -m bench --quick $(BENCH_ARGS)

bench-profile: setup
	$(BIN)/python -m bench --profile --quick $(BENCH_ARGS)

# Before and after on a drifting machine: make bench-compare REF=<commit>
bench-compare: setup
	$(BIN)/python -m bench --compare $(REF) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache staticfiles
