# syntax=docker/dockerfile:1
# Gatehouse image: Node 24 LTS runs the TypeScript sources directly (type stripping, Node >= 22.18);
# the only build is the admin UI (Vite), in its own stage. The deps stage installs the production
# dependencies.
# Build:  docker build -t gatehouse .      Run: see docs/deployment.md
ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Native modules (better-sqlite3, @node-rs/argon2) ship prebuilt binaries: no compiler and no
# install scripts. --omit=dev also leaves out the `node` devDependency: the image has its own Node.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS ui
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY ui ./ui
RUN npx vite build --config ui/vite.config.ts --logLevel warn

FROM ${NODE_IMAGE} AS runtime
# tini as PID 1 reaps the stdio backend processes Gatehouse spawns and forwards SIGTERM to Node.
# `gatehouse` on the PATH, for `docker exec … gatehouse recover-admin` and the other CLI commands.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /data \
  && chown node:node /data \
  && ln -s /app/bin/gatehouse.js /usr/local/bin/gatehouse
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4444 \
    DATABASE_URL=sqlite:/data/gatehouse.db
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json ./
COPY --chown=root:root bin ./bin
COPY --chown=root:root src ./src
COPY --from=ui --chown=root:root /app/ui/dist ./ui/dist
# The application files belong to root and are read-only to the process; only /data is writable.
USER node
EXPOSE 4444
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4444) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["tini", "--", "node", "bin/gatehouse.js"]
CMD ["serve"]
