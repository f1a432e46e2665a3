# The Boomerang worker and HTTP endpoint (one image, two commands; see docker-compose.yml).
# Node.js 24, the active LTS line (Node.js 20 reached its end of life on 2026-04-30).
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY bin ./bin
COPY migrations ./migrations
COPY src ./src
COPY tsconfig.json ./
USER node
# The worker by default; the HTTP service overrides the command.
CMD ["node", "--import", "tsx", "src/worker.ts"]
