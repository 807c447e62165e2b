# syntax=docker/dockerfile:1
# jitbot: built in one stage, run in another as a non-root user with production dependencies only.
#
# The base image is pinned by digest: a tag can be moved to other bytes, a digest cannot, so this
# file always builds on the same node and Alpine. The tag in front only says which release the
# digest is (Docker pulls by the digest). It is the multi-platform index digest, so amd64 and
# arm64 builds both resolve. To move to a newer node 22 (security fixes), read the "Digest:" line
# of `docker buildx imagetools inspect node:22-alpine` and the versions that tag names today
# (`docker run --rm node:22-alpine sh -c 'node -v; cat /etc/alpine-release'`), then replace both
# parts of the line below, or pass --build-arg NODE_IMAGE=... for one build.
# A wrong digest fails the build at the first FROM; it never builds on something else.
ARG NODE_IMAGE=node:22.23.3-alpine3.24@sha256:0a7108bf6c7bf5de370ffb1a3ed6be93d405b43ff159f681a8d18c0e2bc2e402

FROM ${NODE_IMAGE} AS build
# npm sbom names the application after this directory.
WORKDIR /jitbot
COPY package.json package-lock.json ./
# The optional packages are the embedded PostgreSQL builds (60 MB): the image runs against
# DATABASE_URL, so they are neither downloaded nor shipped. No install scripts: the only other
# one is esbuild's (a dev tool the build does not use), which would fetch its missing binary.
RUN npm ci --omit=optional --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/image-size.mjs ./scripts/
# Compile and drop the dev dependencies (TypeScript, vitest, biome). Then the software bill of
# materials of exactly what is left: package.json loses the dev and optional lists it no longer
# installs, and npm sbom lists the tree as it is. (Its --omit would also drop production packages
# that a dev or optional dependency shares: npm/cli#7909.) Last, the files node never loads (type
# declarations, source maps, documentation): what remains is the set scripts/image-size.mjs measures.
RUN npm run build \
  && npm prune --omit=dev --omit=optional --no-audit --no-fund \
  && node scripts/image-size.mjs --runtime-manifest package.json \
  && npm sbom --sbom-format cyclonedx --sbom-type application > sbom.cdx.json \
  && node scripts/image-size.mjs --trim node_modules

# The same node without npm, yarn, corepack and the C headers (about 25 MB jitbot never runs,
# and fewer packages for a scanner to flag), plus tini. The runtime stage copies this file system
# whole, as one layer: deleting in a later layer would still ship the files in the base's layers.
FROM ${NODE_IMAGE} AS node-only
RUN apk add --no-cache tini \
  && rm -rf /usr/local/lib/node_modules /usr/local/include/node /usr/local/share/doc/node /opt/yarn-* \
  && rm -f /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn \
       /usr/local/bin/yarnpkg \
  && node --version

FROM scratch AS runtime
COPY --from=node-only / /
ARG NODE_IMAGE
LABEL org.opencontainers.image.title="jitbot" \
      org.opencontainers.image.description="Slack-native just-in-time access for AWS IAM and Okta" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${NODE_IMAGE}" \
      jitbot.sbom="/app/sbom.cdx.json" \
      jitbot.sbom.format="CycloneDX JSON (npm sbom)"
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_ENV=production \
    PORT=3000 \
    JITBOT_CATALOG=/app/jitbot.yaml \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true \
    NODE_OPTIONS=--max-old-space-size=128
WORKDIR /app
# Owned by root and not writable by the runtime user: the code cannot be changed from inside.
# There is no embedded database in the image: jitbot needs DATABASE_URL, and writes nothing to disk.
COPY --from=build /jitbot/package.json /jitbot/sbom.cdx.json ./
COPY --from=build /jitbot/node_modules ./node_modules
COPY --from=build /jitbot/dist ./dist
COPY migrations ./migrations
COPY examples ./examples
# The image's "node" user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 3000
# No curl in the image: node's own fetch asks /healthz, which answers in HTTP and Socket Mode.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini is PID 1: it passes SIGTERM and Ctrl-C on to jitbot (node as PID 1 would get no default
# handling of them) and reaps any process left behind.
ENTRYPOINT ["tini", "--", "node", "dist/cli.js"]
CMD ["serve"]
