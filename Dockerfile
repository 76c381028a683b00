# Briefbot: a slim image that runs `briefbot serve` as a non-root user.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.lock ./
RUN python -m venv /opt/venv && /opt/venv/bin/pip install -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
RUN /opt/venv/bin/pip install --no-deps .

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    BRIEFBOT_DATABASE_URL=sqlite:////data/briefbot.db \
    BRIEFBOT_LENS_PATH=/app/prompts/lenses/premature_victory.yaml \
    BRIEFBOT_PROMPTS_DIR=/app/prompts \
    BRIEFBOT_DEMO_DIR=/app/examples/demo
RUN useradd --create-home --uid 10001 briefbot && mkdir -p /data && chown briefbot /data
COPY --from=build /opt/venv /opt/venv
COPY prompts /app/prompts
COPY examples /app/examples
WORKDIR /app
USER briefbot
VOLUME ["/data"]
# Socket Mode by default (SLACK_APP_TOKEN); HTTP mode: `briefbot serve --http --port 3000`;
# the Teams bot: add `--teams-port 3978`.
EXPOSE 3000 3978
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD ["python", "-c", "import os, sys, urllib.request; sys.exit(0) if os.environ.get('SLACK_APP_TOKEN') else urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]
CMD ["briefbot", "serve"]
