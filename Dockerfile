FROM python:3.12-slim

# Unbuffered output keeps log lines and annotations in order with the runner's own.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.txt /app/requirements.txt
RUN python -m pip install --no-cache-dir --requirement /app/requirements.txt

COPY pyproject.toml README.md entrypoint.py /app/
COPY speech_action /app/speech_action
RUN python -m pip install --no-cache-dir --no-deps /app

# Absolute paths only: the runner sets PATH, HOME and the working directory for its own needs.
ENTRYPOINT ["/usr/local/bin/python", "/app/entrypoint.py"]
