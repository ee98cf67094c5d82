# Energy Lakehouse: Java 17, Python 3.11, the project and its pinned packages, and the Delta and
# hadoop-azure jars fetched at build time, so `make test`, `make demo` and `make run` work offline.
# The dev container (.devcontainer/devcontainer.json) is built from this file.
#
#   docker build -t energy-lakehouse .
#   docker run --rm energy-lakehouse make test
FROM python:3.11-slim-bookworm

ARG APP_USER=lakehouse
ARG APP_UID=1000

# Java 17 for Spark 4 (Debian 12's JRE), make for the Makefile, git and procps for the dev container
# and Spark's launch scripts; Mosquitto, its clients and openssl for the MQTT collector's tests and
# `make broker` (the image runs as a user who cannot apt-get later). Debian security updates move these
# versions, so they are not pinned.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends openjdk-17-jre-headless make git procps \
       mosquitto mosquitto-clients openssl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid "${APP_UID}" --shell /bin/bash "${APP_USER}" \
    && mkdir -p /opt/venv /workspace \
    && chown "${APP_USER}:${APP_USER}" /opt/venv /workspace

# The Makefile takes its virtualenv from VENV, so the one built here serves every make target, also
# with the repository mounted over /workspace (a host .venv there is not used).
ENV VENV=/opt/venv \
    PATH=/opt/venv/bin:${PATH} \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

USER ${APP_USER}
WORKDIR /workspace

COPY --chown=${APP_USER}:${APP_USER} . .
# The same bootstrap as on a laptop, then one Spark start that resolves the Delta and hadoop-azure
# jars into the Ivy cache (~/.ivy2.5.2), where spark-submit --packages finds them without a network.
RUN make bootstrap && make jars

CMD ["make", "help"]
