# The Regionväxeln control plane. Build: docker build -t regionvaxel .
FROM node:20-bookworm-slim
# The texts IT staff store (closed message, queue announcements) are spoken here, by espeak-ng
# and sox, for Asterisk to fetch (src/media/spoken-text/), as the lab does on its host.
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng sox \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY src ./src
COPY config ./config
COPY dialplans ./dialplans
COPY tsconfig.json ./
# The web console is built here (Vite is a dev dependency), then the dev dependencies go.
RUN npm run build && npm prune --omit=dev
ENV NODE_ENV=production HTTP_HOST=0.0.0.0
EXPOSE 8080
USER node
# Node itself (tsx as its loader), not npx: SIGTERM from `docker stop` reaches the app, which drains.
CMD ["node", "--import", "tsx", "src/cli/vaxel.ts", "start"]
