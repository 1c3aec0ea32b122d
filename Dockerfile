# claimgraph server image. The store lives on a volume so it survives container restarts.
#   docker build -t claimgraph .
#   docker run -p 8000:8000 -v claimgraph-data:/data claimgraph
FROM node:20-slim AS assets
WORKDIR /vendor
COPY app/web/vendor/package.json app/web/vendor/package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CLAIMGRAPH_ENVIRONMENT=production \
    CLAIMGRAPH_ONTOLOGY_DIR=/srv/claimgraph/ontology \
    CLAIMGRAPH_SEED_DIR=/srv/claimgraph/graph_data/seed \
    CLAIMGRAPH_STORE=/data/store

WORKDIR /srv/claimgraph
COPY pyproject.toml README.md ./
COPY app ./app
COPY --from=assets /vendor/node_modules ./app/web/vendor/node_modules
COPY ontology ./ontology
COPY graph_data/seed ./graph_data/seed
RUN pip install --no-cache-dir . && useradd --system --home /srv/claimgraph claimgraph \
    && mkdir -p /data && chown claimgraph /data

USER claimgraph
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"
CMD ["claimgraph", "serve", "--host", "0.0.0.0", "--port", "8000"]
