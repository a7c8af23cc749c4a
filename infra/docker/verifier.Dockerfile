# syntax=docker/dockerfile:1
# The optout-verifier image: one executable for every subcommand (run, simulate, replay, ...).
# TypeScript runs through tsx's loader, as bin/optout-verifier.js does on a developer's machine,
# so there is no build step. Build context: the repository root (see docker-compose.yml);
# verifier.Dockerfile.dockerignore beside this file keeps the context small.
FROM node:20.18.1-bookworm-slim

WORKDIR /app

# Dependencies first, so a change to the sources does not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY --chown=node:node . .

USER node
# /metrics, /healthz and /readyz. The service listens on loopback unless told otherwise; in a container the
# listener must answer on the container's address for the kubelet's probes and Prometheus's scrapes.
ENV METRICS_HOST=0.0.0.0
EXPOSE 9464

CMD ["node", "bin/optout-verifier.js", "run", "--migrate"]
