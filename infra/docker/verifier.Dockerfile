# syntax=docker/dockerfile:1
# The optout-verifier image: one executable for every subcommand (run, simulate, replay, migrate, ...).
# A build stage compiles the TypeScript into dist/ and keeps the production dependencies only; the runtime stage
# holds those, the compiled JavaScript and the files read at run time (schemas, migrations), owned by root and
# run by the unprivileged `node` user (uid 1000), so the service cannot change its own code. Nothing is written
# beside the code: the image runs with a read-only root file system.
# Build context: the repository root (see docker-compose.yml); verifier.Dockerfile.dockerignore keeps it small.
#   docker build -f infra/docker/verifier.Dockerfile --build-arg COMMIT="$(git rev-parse HEAD)" -t optout-verifier .

# Node 22 LTS on Debian bookworm (node:22-bookworm-slim, Node 22.23.2), pinned by the digest of its
# multi-platform index, so a rebuild gets the same base until this line is changed on purpose.
ARG NODE_IMAGE=node:22-bookworm-slim@sha256:48e4b67d85f87bd551df43704e24d252f56cc5f8e9718841aace50f19948f0f9

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: no production dependency needs one, and tsc needs none.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY services ./services
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE}
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json LICENSE ./
COPY bin ./bin
COPY schemas ./schemas
COPY services/live/store/migrations ./services/live/store/migrations

# The commit the image was built from: build_info{commit} and the replay report's provenance.
ARG COMMIT=unknown
ENV OPTOUT_VERIFIER_COMMIT=${COMMIT}
# In a container the listener answers on the container's address, for probes and scrapes.
ENV METRICS_HOST=0.0.0.0
# Under a memory limit V8 shrinks its young generation (8 MB of new space in a 768 MiB container, against 32 MB
# without a limit), and the service then spends far more CPU collecting garbage: this keeps the default size.
ENV NODE_OPTIONS=--max-semi-space-size=16

USER node
# /metrics, /healthz and /readyz.
EXPOSE 9464
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["node", "bin/healthcheck.js"]

CMD ["node", "bin/optout-verifier.js", "run", "--migrate"]
