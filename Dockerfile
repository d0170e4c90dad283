# hcc-cds: CDS Hooks service for primary liver cancer care.
# Build:  docker build -t hcc-cds .
# Run:    docker run -p 3000:3000 -e CDS_CLIENTS_FILE=/config/clients.json -v $PWD/config:/config:ro \
#           -e PUBLIC_BASE_URL=https://cds.example.org -v hcc-cds-data:/app/data hcc-cds
ARG BASE=node:20-bookworm-slim

# ---- build: full install (dev dependencies for TypeScript), then compile ----
FROM ${BASE} AS build
WORKDIR /app
# better-sqlite3 compiles from source (no prebuilt binary is downloaded): it needs python3, make and g++.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.runtime.json ./
COPY src ./src
# The service only: the development tools in dev/ (loopback FHIR server, fixtures, card preview) are not built or copied.
RUN npm run build:runtime

# ---- runtime: production dependencies only, non-root ----
FROM ${BASE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    FEEDBACK_DB=/app/data/feedback.sqlite
WORKDIR /app
COPY package.json package-lock.json ./
# Compilers only for the duration of the install, so the image does not keep them.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && npm ci --omit=dev --no-audit --no-fund \
 && apt-get purge -y --auto-remove python3 make g++ \
 && rm -rf /var/lib/apt/lists/* /root/.npm /root/.cache
COPY --from=build /app/dist ./dist
COPY hooks ./hooks
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
VOLUME ["/app/data"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Production refuses to start without CDS_CLIENTS_FILE (or CDS_ALLOW_UNAUTHENTICATED=true).
# Heap flags as in `npm start` (BENCHMARKS.md: V8's default growth keeps ~260 MB for ~40 MB live under load).
CMD ["node", "--max-semi-space-size=8", "--heap-growing-percent=20", "dist/src/server.js"]
