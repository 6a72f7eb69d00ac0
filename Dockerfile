# One image for every service; SERVICE picks which one a container runs:
# gateway | repos | addons | runtimes. (Not built here: these machines have no Docker engine.)
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json ./
COPY packages/platform/package.json packages/platform/
COPY packages/sources/package.json packages/sources/
COPY packages/ontology/package.json packages/ontology/
COPY subgraphs/repos/package.json subgraphs/repos/
COPY subgraphs/addons/package.json subgraphs/addons/
COPY subgraphs/runtimes/package.json subgraphs/runtimes/
COPY gateway/package.json gateway/
RUN npm ci --no-audit --no-fund
COPY packages packages
COPY subgraphs subgraphs
COPY gateway gateway
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
# A young generation of 64 MiB per semi-space (ADR 018): thousands of subscriptions and their events
# allocate fast, and with V8's default most of each second went to scavenges and promotions.
ENV NODE_ENV=production HOST=0.0.0.0 NODE_OPTIONS=--max-semi-space-size=64
WORKDIR /app
COPY --from=build /app /app
COPY schema schema
USER node
CMD ["sh", "-c", "case \"$SERVICE\" in gateway) exec node gateway/dist/main.js;; repos|addons|runtimes) exec node subgraphs/$SERVICE/dist/main.js;; *) echo \"set SERVICE to gateway, repos, addons or runtimes\" >&2; exit 2;; esac"]
