# syntax=docker/dockerfile:1.7
# Both binaries, fithub-api and fithub, in a slim image that runs as an unprivileged user.
# Build with BuildKit (docker buildx build): the cache mounts keep the crate registry and the
# compiled dependencies between builds, so a change to FitHub's own code rebuilds only FitHub.

FROM rust:1.95-slim-bookworm AS build
# make builds jemalloc, the API's memory allocator (the slim image has only the C compiler).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked -p fithub-api -p fithub-cli \
    && install -m 0755 target/release/fithub-api target/release/fithub /usr/local/bin/

FROM debian:bookworm-slim AS runtime
# TLS roots for connections to a managed PostgreSQL or Redis; nothing else is installed.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --create-home --home-dir /var/lib/fithub fithub
COPY --from=build /usr/local/bin/fithub-api /usr/local/bin/fithub /usr/local/bin/
USER 10001:10001
WORKDIR /var/lib/fithub
# Production refuses to start without a JWT secret, the CORS origins and the public URL: the
# deployment provides them (see the README's "Production").
ENV FITHUB_ENV=production \
    FITHUB_BIND=0.0.0.0:8000 \
    FITHUB_METRICS_BIND=0.0.0.0:9100 \
    FITHUB_LOG_FORMAT=json
EXPOSE 8000 9100
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["fithub", "health", "--url", "http://127.0.0.1:8000", "--timeout", "3s"]
CMD ["fithub-api"]
