# Two commands for a fresh machine (see README):
#   make demo   install into .venv, train on the bundled sample corpus, show neighbours
#   make test   install into .venv with the test extras, run the default test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SOURCES := pyproject.toml setup.py $(wildcard w2v/*.pyx csrc/*.c csrc/*.h)  # what the build compiles

.PHONY: demo test slow check-readme clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# An editable install: the compiled extensions land in w2v/ itself, so `import w2v` works
# both from the virtualenv and from this directory (where Python looks first).
$(VENV)/.installed: $(BIN)/python $(SOURCES)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/w2v train w2v/data/sample-enwiki.txt.gz -o demo-vectors.bin --binary \
		--skip-gram --size 100 --window 5 --negative 5 --sample 1e-4 --iter 5 --seed 1
	@for word in france king computer three; do \
		echo "== words nearest to $$word"; $(BIN)/w2v similar demo-vectors.bin --top 8 $$word; \
	done
	@echo "== next: '. $(VENV)/bin/activate' puts w2v on your PATH (see README.md)"

test: $(VENV)/.installed
	$(BIN)/pytest

# Slow tests on ../shared/data (training on the 100 MB corpus): minutes, not part of `make test`.
slow: $(VENV)/.installed
	$(BIN)/pytest -m slow

# Every command README.md shows, run in order in a scratch copy (about a minute; see
# scripts/check_readme.py for which blocks run and how outputs are compared).
check-readme: $(VENV)/.installed
	$(BIN)/python scripts/check_readme.py

clean:
	rm -rf build $(VENV) w2v/*.so w2v/_text.c w2v/_train.c demo-vectors.bin
