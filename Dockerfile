# phoenix-worker image (used by docker-compose.temporal.yml).
# Debian bookworm, not Alpine: the Temporal SDK's native core is built for glibc only.
#
# The image holds the product package only. The simulator (packages/phoenix-sim, an npm
# workspace) is never copied in: no stage below COPYs packages/, the product's build compiles
# src/ alone, and npm installs no workspace (--workspaces=false).
# test/packaging/product-contents.test.ts reproduces this file selection and checks it.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied; the build runs below.
RUN npm ci --ignore-scripts --no-audit --no-fund --workspaces=false
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/build-workflow-bundle.mjs scripts/build-cli-bundle.mjs ./scripts/
# The build also writes dist/workflows.bundle.js: with NODE_ENV=production the worker loads
# that prebuilt bundle and refuses to start without it (src/workflow-bundle.ts); and
# dist/bundle/phoenix-client.js, the CLI in one file (src/cli/launch.ts).
RUN npm run build:product

# The product's production dependencies alone: phoenix-sim is a dev dependency of the product.
FROM node:20-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspaces=false

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
# Scripts the worker pushes into guests.
COPY features ./features
COPY apps ./apps
USER node
# Temporal connection (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
# TEMPORAL_TLS_*) and Phoenix settings (PHOENIX_*) come from the environment.
ENV TEMPORAL_ADDRESS=temporal:7233 \
    PHOENIX_TASK_QUEUE=phoenix \
    PHOENIX_CONFIG_DIR=/etc/phoenix
# The worker's V8 heap limits and malloc arenas (what bin/phoenix-worker.js sets outside a
# container; see docs/operations.md, "Sizing the worker"). Without them V8 sizes the heap from the
# host's memory and collects late. Override NODE_OPTIONS / MALLOC_ARENA_MAX to change them.
ENV NODE_OPTIONS="--max-old-space-size=256 --max-semi-space-size=8" \
    MALLOC_ARENA_MAX=2
# exec form: node itself receives SIGTERM, and the SDK's handler starts the graceful shutdown.
ENTRYPOINT ["node", "dist/worker.js"]
