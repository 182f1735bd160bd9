# Franca's build. `make run` and `make test` are all a fresh machine needs.
# Binaries are cached in bin/ and rebuilt only when Go sources change.

GO      ?= go
SOURCES := $(shell find . -name '*.go' -not -path './bin/*' -not -path './.run/*') go.mod go.sum
CORE    := ./config/... ./translate/... ./gateway/...
RUNDIR  := $(CURDIR)/.run
WAZERO_VERSION := v1.12.0
# make bench's peer and its installed copy.
PORTKEY_VERSION := 1.15.2
BENCHDIR := $(CURDIR)/.cache/bench
# Caddy writes its data and config under these; keep them out of the user's home.
CADDYENV := XDG_DATA_HOME=$(RUNDIR)/data XDG_CONFIG_HOME=$(RUNDIR)/config HOME=$(RUNDIR)

.PHONY: all build run test test-wasm wasm bench bench-go bench-e2e bench-tools fuzz fmt lint clean redis-server

all: build

build: bin/caddy bin/franca

bin/caddy: $(SOURCES)
	$(GO) build -o $@ ./cmd/caddy

bin/franca: $(SOURCES)
	$(GO) build -o $@ ./cmd/franca

# The Envoy filter: one proxy-wasm module with the roots "franca" and "franca-upstream"
# (docs/envoy.md).
wasm: bin/franca.wasm

bin/franca.wasm: $(SOURCES)
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -ldflags='-s -w' -o $@ ./envoyfilter

# Caddy with Franca on http://127.0.0.1:8080, the example config, providers whose
# environment keys are set, and the built-in mock provider. A demo virtual key is made
# once and printed.
run: build
	@mkdir -p $(RUNDIR)
	@test -s $(RUNDIR)/demo.key || bin/franca keys new --name demo --quiet > $(RUNDIR)/demo.key
	@echo "Franca on http://127.0.0.1:8080/v1 — demo virtual key: $$(cut -d' ' -f1 $(RUNDIR)/demo.key)"
	@echo "  curl http://127.0.0.1:8080/v1/chat/completions -H 'Authorization: Bearer $$(cut -d' ' -f1 $(RUNDIR)/demo.key)' \\"
	@echo "       -d '{\"model\":\"mock-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'"
	@FRANCA_DEMO_KEY_HASH=$$(cut -d' ' -f2 $(RUNDIR)/demo.key) $(CADDYENV) \
		bin/caddy run --config examples/Caddyfile --adapter caddyfile

# Every test: vet, the core built for wasip1, the core's tests under wasm, and all tests
# natively (end-to-end tests start Caddy and the fake providers on free ports).
test: lint test-wasm wasm bin/caddy redis-server
	FRANCA_CADDY=$(CURDIR)/bin/caddy $(GO) test -count=1 ./...

# The fleet tests run a real Redis; install it from Debian when it is missing.
redis-server:
	@command -v redis-server >/dev/null || { \
		echo "installing redis-server"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >/dev/null || \
		{ echo "cannot install redis-server (need root or sudo)"; exit 1; }; }

# The core must build and pass its tests for GOOS=wasip1: the same code runs inside
# Envoy. The tests run under wazero (a Go WASI runtime, installed into bin/).
test-wasm: bin/wazero
	GOOS=wasip1 GOARCH=wasm $(GO) build $(CORE)
	PATH="$(CURDIR)/bin:$$($(GO) env GOROOT)/lib/wasm:$$PATH" GOWASIRUNTIME=wazero \
		GOOS=wasip1 GOARCH=wasm $(GO) test -count=1 $(CORE)

bin/wazero:
	GOBIN=$(CURDIR)/bin $(GO) install github.com/tetratelabs/wazero/cmd/wazero@$(WAZERO_VERSION)

# The benchmarks (BENCHMARKS.md): Go benchmarks of the hot path, then the end-to-end
# comparison of bare Caddy, Caddy+Franca and Portkey in one run. About 5 minutes on 2 cores.
bench: bench-go bench-e2e

# Go benchmarks of the hot path (translation, streams, routing, config load), and the
# Envoy filter per request and per stream chunk: in-process core, the filter natively and
# bin/franca.wasm under the host emulator, with the module's memory after 10,000 requests.
bench-go: wasm
	$(GO) test -run='^$$' -bench=. -benchmem $(CORE)
	$(GO) test -run='^$$' -bench=. -benchmem ./envoyfilter/

# bin/franca-bench starts a fake upstream, bare Caddy, Caddy+Franca (four setups) and
# Portkey on 127.0.0.1, measures each (wrk, a fixed-rate run, CPU and peak RSS from
# /proc), prints the table and writes it to bench/results.md. BENCHFLAGS adds flags,
# e.g. BENCHFLAGS='-profile bench/profiles' for pprof CPU and allocation profiles.
bench-e2e: bin/caddy bin/franca-bench bench-tools
	bin/franca-bench -caddy bin/caddy -portkey $(BENCHDIR)/portkey -out bench/results.md $(BENCHFLAGS)

bin/franca-bench: $(SOURCES)
	$(GO) build -o $@ ./cmd/franca-bench

# wrk from Debian and Portkey's gateway from npm (into .cache/bench/portkey), when missing.
bench-tools:
	@command -v wrk >/dev/null || { \
		echo "installing wrk"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null || \
		{ echo "cannot install wrk (need root or sudo)"; exit 1; }; }
	@command -v npm >/dev/null || { \
		echo "installing nodejs and npm"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm) >/dev/null || \
		{ echo "cannot install npm (need root or sudo)"; exit 1; }; }
	@grep -qs '"version": "$(PORTKEY_VERSION)"' $(BENCHDIR)/portkey/node_modules/@portkey-ai/gateway/package.json || { \
		echo "installing @portkey-ai/gateway@$(PORTKEY_VERSION) into $(BENCHDIR)/portkey"; \
		mkdir -p $(BENCHDIR)/portkey && cd $(BENCHDIR)/portkey && \
		{ test -f package.json || npm init -y >/dev/null; } && \
		npm install --no-audit --no-fund --save-exact @portkey-ai/gateway@$(PORTKEY_VERSION) >/dev/null; }

# A minute of fuzzing for every fuzz target.
fuzz:
	@for pkg in $$($(GO) list $(CORE)); do \
		for f in $$($(GO) test -list='^Fuzz' $$pkg | grep ^Fuzz); do \
			echo "== $$pkg $$f"; $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$${FUZZTIME:-60s} $$pkg || exit 1; \
		done; \
	done

fmt:
	gofmt -w $$(git ls-files '*.go')

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin .run
