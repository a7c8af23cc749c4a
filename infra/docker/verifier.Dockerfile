# syntax=docker/dockerfile:1
# The optout-verifier image: one executable for every subcommand (run, simulate, replay, ...).
# A build stage compiles the TypeScript into dist/; the runtime stage has the production dependencies and the
# compiled JavaScript only. Build context: the repository root (see docker-compose.yml);
# verifier.Dockerfile.dockerignore beside this file keeps the context small.
FROM node:20.18.1-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY services ./services
RUN npm run build

FROM node:20.18.1-bookworm-slim
WORKDIR /app

# Dependencies first, so a change to the sources does not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

COPY --chown=node:node bin ./bin
COPY --chown=node:node schemas ./schemas
COPY --chown=node:node services/live/migrations ./services/live/migrations
COPY --from=build --chown=node:node /app/dist ./dist

USER node
# /metrics, /healthz and /readyz. The service listens on loopback unless told otherwise; in a container the
# listener must answer on the container's address for the kubelet's probes and Prometheus's scrapes.
ENV METRICS_HOST=0.0.0.0
EXPOSE 9464

CMD ["node", "bin/optout-verifier.js", "run", "--migrate"]
