# syntax=docker/dockerfile:1
# jitbot: built in one stage, run in another as a non-root user with production dependencies only.
# Node 22 is an LTS line (the code itself also runs on node >= 20.12); build with
# --build-arg NODE_VERSION=24 for the newer LTS.
ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# Compile, then drop the dev dependencies (TypeScript, vitest, biome, the IAM simulator) so the
# runtime stage copies production dependencies only.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# tini is PID 1: it forwards SIGTERM for jitbot's graceful stop and reaps the embedded
# PostgreSQL's processes when no DATABASE_URL is given.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PORT=3000 \
    JITBOT_DATA_DIR=/var/lib/jitbot \
    JITBOT_CATALOG=/app/jitbot.yaml \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
WORKDIR /app
# Owned by root and not writable by the runtime user: the code cannot be changed from inside.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
COPY examples ./examples
# The only writable place: the embedded database, when DATABASE_URL is not set.
RUN mkdir -p /var/lib/jitbot && chown 1000:1000 /var/lib/jitbot
# The image's "node" user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
VOLUME ["/var/lib/jitbot"]
EXPOSE 3000
# No curl in slim images: node's own fetch asks /healthz, which answers in HTTP and Socket Mode.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["tini", "--", "node", "dist/cli.js"]
CMD ["serve"]
