# syntax=docker/dockerfile:1
# One image for every service (compose gives each its command). test/docker-image.int.test.ts
# reproduces this file without a Docker daemon: its build context from .dockerignore, its COPY and
# RUN steps (npm only) stage by stage, then the runtime stage's services and HEALTHCHECK.

# Build: every dependency (TypeScript and the rest of the toolchain), then the compiled services in dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Run: production dependencies only and the compiled dist/, as the unprivileged `node` user of the
# base image (the files stay root's: the process reads them and writes nowhere in the image).
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
USER node
# The gateway by default; compose sets each service's command and the URL its health check asks.
ENV HEALTH_URL=http://127.0.0.1:4000/ready
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=3 CMD ["node", "dist/scripts/healthcheck.js"]
EXPOSE 4000
CMD ["node", "dist/gateway/main.js"]
