# syntax=docker/dockerfile:1
# govshare in a container: a build stage compiles TypeScript with the dev dependencies; the runtime stage has only
# the production dependencies (npm ci --omit=dev), the compiled dist/ and the migrations, and runs as a non-root user.
#   docker build -t govshare .
#   docker run -d -p 8080:8080 -v govshare-data:/data -e DATABASE_URL=postgres://... govshare
# See README.md, "Run in production".

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/prepare.mjs scripts/prepare.mjs
# The build runs below, once the sources are in; prepare would run before them.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    GOVSHARE_DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/prepare.mjs scripts/prepare.mjs
# prepare finds no TypeScript here and builds nothing: the runtime uses the build stage's dist/.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY migrations/ migrations/
COPY bin/ bin/
COPY --from=build /app/dist/ dist/
# /data holds the PGlite database (when DATABASE_URL is unset) and field-keys.json (unless GOVSHARE_FIELD_KEYS is
# set): back it up, and keep the keys; without them the encrypted fields cannot be read.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/govshare.js"]
CMD ["start"]
