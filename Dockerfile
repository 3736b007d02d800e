# The action's image. Released versions are built once by .github/workflows/release.yml and
# pulled from GitHub Container Registry; `main` builds it from here for its own `uses: ./`.
#
# Python 3.13: every pinned dependency has a CPython 3.13 wheel (pocketsphinx 5.1.1 has none
# for 3.12, which meant a compiler in the image and a 72 s compile in every job). The base is
# pinned by digest so a build is repeatable. Both FROM lines name it in full, not through an
# ARG: dependabot only updates images written in FROM lines (dependabot-core #2057), and it
# must move both together (tests/action/test_image.py checks they are the same). The digest
# is python:3.13.15-slim-trixie's (2026-09-01), as public Dockerfiles pin it under that tag:
# Docker Hub was not reachable where this was written, so CI's `uses: ./` build is its
# first check here.

# ---- build: a virtual environment holding the dependencies and the package, from wheels --
FROM python:3.13-slim@sha256:7c61056e61ac89e852de05f3dc6fa51a6dd2181797bceed46aa725dd7cb2cd3b AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# binutils for `strip` (image/finish_environment.py); this stage is thrown away. Not pinned:
# the Debian release is fixed by the base digest, and a pinned version leaves the mirror
# at its next point release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends binutils \
    && rm -rf /var/lib/apt/lists/*

# No pip inside the environment: the base image's pip installs into it (`--python`).
RUN python -m venv --without-pip /opt/speech-action

# Wheels only: a dependency that loses its wheel fails the build here rather than
# pulling a compiler into every consumer's job. No bytecode yet: the finishing step
# compiles what a run imports.
COPY requirements.txt /src/requirements.txt
RUN python -m pip --python /opt/speech-action/bin/python install --no-compile \
        --only-binary=:all: --requirement /src/requirements.txt

COPY pyproject.toml README.md LICENSE /src/
COPY speech_action /src/speech_action
RUN python -m pip --python /opt/speech-action/bin/python install --no-compile --no-deps /src

# Stripped libraries, no unused model file, and bytecode for the modules a run imports.
# Run from its own folder, so that it imports the installed package, not /src.
COPY image/finish_environment.py /build/finish_environment.py
RUN /opt/speech-action/bin/python /build/finish_environment.py /opt/speech-action

# ---- the image: the base plus that one environment; no compiler, pip cache or sources ----
FROM python:3.13-slim@sha256:7c61056e61ac89e852de05f3dc6fa51a6dd2181797bceed46aa725dd7cb2cd3b

LABEL org.opencontainers.image.title="speech-action" \
      org.opencontainers.image.description="CI/CD for Azure Custom Speech models: benchmark, gate on WER, deploy" \
      org.opencontainers.image.licenses="MIT"

# Unbuffered output keeps log lines and annotations in order with the runner's own; no
# bytecode written at run time (what a run imports was compiled in the build stage), so
# the image also runs as a user who cannot write to /opt.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

COPY --from=build /opt/speech-action /opt/speech-action
COPY entrypoint.py /opt/speech-action/entrypoint.py

# Absolute paths only: the runner sets PATH, HOME and the working directory for its own
# needs. No USER: GitHub runs docker actions as the image's default user and documents
# that it must be root; what the action writes into the workspace is handed to the
# workspace's owner instead (speech_action/workspace_owner.py).
ENTRYPOINT ["/opt/speech-action/bin/python", "/opt/speech-action/entrypoint.py"]
