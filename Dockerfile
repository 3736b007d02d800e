# Build stage: pocketsphinx (the local engine's recognizer) ships no wheel for CPython 3.12,
# so its sdist is compiled here; the final image gets wheels only, no compiler.
FROM python:3.12-slim AS wheels

# The compiler comes from the base image's Debian release; pinning an exact Debian revision
# would break the build at every security update, hence the DL3008 exception.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt /tmp/requirements.txt
RUN python -m pip wheel --no-cache-dir --wheel-dir /wheels --requirement /tmp/requirements.txt

FROM python:3.12-slim

# Unbuffered output keeps log lines and annotations in order with the runner's own.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY --from=wheels /wheels /wheels
COPY requirements.txt /app/requirements.txt
RUN python -m pip install --no-cache-dir --no-index --find-links /wheels \
        --requirement /app/requirements.txt \
    && rm -rf /wheels

COPY pyproject.toml README.md entrypoint.py /app/
COPY speech_action /app/speech_action
RUN python -m pip install --no-cache-dir --no-deps /app

# Absolute paths only: the runner sets PATH, HOME and the working directory for its own needs.
ENTRYPOINT ["/usr/local/bin/python", "/app/entrypoint.py"]
