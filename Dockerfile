# syntax=docker/dockerfile:1
# vnstat-exporter: one static Go binary that reads the host's vnstat
# database directly; no vnstat, no shell, no package manager in the image.
# Build: docker build -t vnstat-exporter .   (podman: add --format docker to keep HEALTHCHECK)
# Other architectures, cross-compiled by Go on the build machine (no
# emulation): docker buildx build --platform linux/amd64,linux/arm64 .
# or podman build --platform linux/arm64 ...

FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build
ARG TARGETOS=linux
ARG TARGETARCH
ARG TARGETVARIANT=""
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# timetzdata: TZ=Area/City works without zoneinfo files in the image.
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH GOARM=${TARGETVARIANT#v} go build -trimpath -tags timetzdata -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/vnstat-exporter ./cmd/vnstat-exporter \
 && mkdir -p /out/etc /out/state \
 && echo 'exporter:x:10001:10001::/nonexistent:/sbin/nologin' >/out/etc/passwd \
 && echo 'exporter:x:10001:' >/out/etc/group

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/etc/passwd /out/etc/group /etc/
COPY --from=build /out/vnstat-exporter /usr/local/bin/vnstat-exporter
# STATE_DIR: mount a named volume here (docker-compose.yml does); a new
# volume takes this directory's owner, the unprivileged user.
COPY --from=build --chown=10001:10001 --chmod=0700 /out/state /var/lib/vnstat-exporter

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
