# One image for every role; docker-compose.yml picks the role with `command:`.
#   default:       the interview API (uvicorn interview_api.main:app on $PORT, 8002)
#   question API:  uvicorn question_api.main:app --host 0.0.0.0 --port 8001 (and PORT=8001)
#   worker:        interview-analysis worker
#   migrations:    interview-backend migrate
ARG PYTHON_IMAGE=python:3.11-slim

# ---- builder: a virtualenv with the project and its dependencies ----
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src

# Dependencies first, read from pyproject.toml, so a code-only change reuses this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

COPY README.md ./
COPY shared ./shared
COPY question_api ./question_api
COPY interview_api ./interview_api
COPY analysis ./analysis
RUN pip install --no-deps .

# ---- runtime: the virtualenv on a clean slim image, as a non-root user ----
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATA_DIR=/data \
    PORT=8002
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --shell /usr/sbin/nologin app \
    && mkdir -p /data \
    && chown app:app /data
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8001 8002

# Slim images have no curl: ask /healthz with the standard library. A worker container, which
# serves no HTTP, overrides this check in docker-compose.yml.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8002'), timeout=4)"]

# exec: uvicorn becomes PID 1 and gets SIGTERM directly, so it shuts down gracefully.
CMD ["sh", "-c", "exec uvicorn interview_api.main:app --host 0.0.0.0 --port \"$PORT\" --no-access-log"]
