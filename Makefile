# Everyday targets. The image targets use docker, or podman when docker is
# missing (CONTAINER=podman make image).
BINARY    := vnstat-exporter
VERSION   ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
CONTAINER ?= $(shell command -v docker >/dev/null 2>&1 && echo docker || echo podman)
COMPOSE   ?= $(CONTAINER) compose

.PHONY: build test e2e bench fuzz run image up down logs install uninstall deploy-check clean dist

build:
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $(BINARY) ./cmd/vnstat-exporter

test:
	go test -short -count=1 ./...

e2e:
	scripts/e2e.sh

bench:
	scripts/bench.sh

fuzz:
	scripts/fuzz.sh 5m

run: build
	./$(BINARY)

# podman needs --format docker to keep the HEALTHCHECK.
image:
	$(CONTAINER) build $(if $(filter podman,$(notdir $(CONTAINER))),--format docker --network host,) \
	  --build-arg VERSION=$(VERSION) -t vnstat-exporter:latest .

up:
	$(COMPOSE) up -d

down:
	$(COMPOSE) down

logs:
	$(COMPOSE) logs -f

install: build
	sudo scripts/install.sh --binary ./$(BINARY)

uninstall:
	sudo scripts/install.sh --uninstall

deploy-check:
	scripts/deploy-check.sh

clean:
	rm -f $(BINARY)

# A snapshot release into dist/: binaries for every arch, tar.gz, SHA256SUMS,
# .deb and .rpm (GoReleaser pinned, run through go run: go.mod unchanged).
GORELEASER ?= go run github.com/goreleaser/goreleaser/v2@v2.15.1

dist:
	$(GORELEASER) release --snapshot --clean
