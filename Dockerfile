# The Regionväxeln control plane. Build: docker build -t regionvaxel .
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY src ./src
COPY config ./config
COPY dialplans ./dialplans
COPY tsconfig.json ./
ENV NODE_ENV=production HTTP_HOST=0.0.0.0
EXPOSE 8080
USER node
CMD ["npx", "tsx", "src/cli/vaxel.ts", "start"]
