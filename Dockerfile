# Collections Hub: one image for every process (web, dispatcher, scheduler, release step).
#   docker build -t collections-hub .
#   docker run --rm collections-hub db upgrade      # the release step
#   docker run -p 8000:8000 collections-hub         # python app.py serve (gunicorn)
# See docs/operations.md. Secrets come from the environment or *_FILE mounts, never the image.

# --- build stage: wheels for everything (durable-rules compiles C code) -------------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt /tmp/requirements.txt
RUN pip wheel --wheel-dir /wheels -r /tmp/requirements.txt

# --- runtime stage: no compiler, non-root -------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HUB_VAR_DIR=/var/lib/hub \
    HUB_WEB_BIND=0.0.0.0:8000 \
    HUB_PROGRESS=false
# fonts-dejavu-core: DejaVuSans.ttf for letters in every language (notifications/letter.py
# looks in /usr/share/fonts/truetype/dejavu); tzdata: the cycle's local time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin hub \
    && mkdir -p /var/lib/hub \
    && chown hub:hub /var/lib/hub
COPY --from=build /wheels /wheels
COPY requirements.txt /app/requirements.txt
RUN pip install --no-index --find-links=/wheels -r /app/requirements.txt \
    && rm -rf /wheels
WORKDIR /app
COPY app.py ./
COPY hub ./hub
COPY rules ./rules
COPY sync ./sync
COPY notifications ./notifications
# Bytecode for the hub's own modules, written now: the image runs with
# PYTHONDONTWRITEBYTECODE and as a user who cannot write here, so without it every command
# would compile each module it imports from source again (issue 16: start-up).
RUN python -m compileall -q app.py hub rules sync notifications
USER hub
VOLUME ["/var/lib/hub"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["python", "app.py"]
CMD ["serve"]
