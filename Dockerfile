# syntax=docker/dockerfile:1
# vnstat-exporter: a static Go binary beside vnstat's CLI, run as non-root.
# Build: docker build -t vnstat-exporter .   (podman: add --format docker to keep HEALTHCHECK)

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/vnstat-exporter ./cmd/vnstat-exporter

FROM debian:bookworm-slim
# Only vnstat, for its CLI; the host's vnstatd writes the database that is
# mounted read-only at /var/lib/vnstat.
RUN apt-get update \
 && apt-get install -y --no-install-recommends vnstat \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log /var/lib/vnstat/* \
 && useradd --system --uid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin exporter
COPY --from=build /out/vnstat-exporter /usr/local/bin/vnstat-exporter

# The original's defaults. Set WEBHOOK_PATH to a secret of your own.
ENV WEBHOOK_PATH=/webhook/secret-0c68fb14-bb0d-41ca-a53f-a8ba0ea08fae \
    START_DAY=1 \
    PORT=50000
EXPOSE 50000
# A 0644 vnstat.db is readable by any user: no root, no capabilities.
USER 10001:10001
HEALTHCHECK --interval=10m --timeout=10s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/vnstat-exporter", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/vnstat-exporter"]
