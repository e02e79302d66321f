# The Regionväxeln control plane. Build: docker build -t regionvaxel .
FROM node:20-bookworm-slim
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
CMD ["npx", "tsx", "src/cli/vaxel.ts", "start"]
