# syntax=docker/dockerfile:1
# Build: docker build -t paddock:$(node -p "require('./package.json').version") .
# Run:   docker run -p 8080:8080 -v "$PWD/config:/config:ro" -v paddock-audit:/audit -v paddock-state:/state paddock:<version>
# Build stage: compile TypeScript with the dev toolchain.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies and the compiled code only, as a non-root user.
FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY deploy/docker/healthcheck.mjs ./deploy/docker/healthcheck.mjs
COPY LICENSE ./
# The audit trail and the embedded state store are what an instance writes: volumes owned by the
# unprivileged user, so they stay writable when the root filesystem is read-only (Kubernetes
# readOnlyRootFilesystem) and survive restarts.
RUN mkdir -p /audit /state && chown node:node /audit /state
VOLUME ["/audit", "/state"]
USER node
EXPOSE 8080
# Mount the configuration (paddock.yaml, master.key, JWT keys) read-only at /config; never bake keys in.
ENV PADDOCK_HOST=0.0.0.0 PADDOCK_AUDIT_DIR=/audit PADDOCK_STATE_DIR=/state
# /livez over HTTPS when server.tls is set, plain HTTP otherwise (deploy/docker/healthcheck.mjs tries both).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD ["node", "deploy/docker/healthcheck.mjs"]
ENTRYPOINT ["node", "bin/paddock.js"]
CMD ["serve", "--config", "/config/paddock.yaml"]
