# The demos as a public web app: docker build -t dldemos . && docker run -p 8501:8501 dldemos
#
# CPU by default (PyTorch's CPU wheels, a much smaller image). For an NVIDIA GPU,
# build with the CUDA wheels and run with the NVIDIA container toolkit:
#   docker build --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu128 -t dldemos:gpu .
#   docker run --gpus all -p 8501:8501 dldemos:gpu
# Weights: fetched at build time (--build-arg FETCH_WEIGHTS=1, or FETCH_ONLY="mnist imagenet"),
# or mounted read-only: docker run -v /path/to/weights:/weights:ro -p 8501:8501 dldemos
# See README.md, "Public deployment".
FROM python:3.11-slim

ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ARG FETCH_WEIGHTS=0
ARG FETCH_ONLY=""
# 1: also Ray Serve, for the cluster backend (docs/deploy/docker-compose.yml)
ARG WITH_RAY=0

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MALLOC_ARENA_MAX=2 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DLDEMOS_CACHE_DIR=/home/app/.cache/dldemos \
    DLDEMOS_WEIGHTS_DIR=/weights \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_PORT=8501

# OpenCV's wheel needs GLib. Debian's security updates move these versions: not pinned.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# torch first, from the chosen index (CPU or CUDA wheels); requirements.txt then finds it installed.
# The project follows the newest torch, as requirements.txt does: not pinned.
COPY requirements.txt requirements-ray.txt ./
# hadolint ignore=DL3013
RUN pip install --no-cache-dir --index-url "${TORCH_INDEX}" torch torchvision \
    && pip install --no-cache-dir -r requirements.txt \
    && if [ "${WITH_RAY}" = "1" ]; then pip install --no-cache-dir -r requirements-ray.txt; fi

COPY . .

# An unprivileged user (numeric, so any host resolves it) owns only its cache.
RUN groupadd --gid 10001 app \
    && useradd --create-home --uid 10001 --gid 10001 app \
    && mkdir -p /weights "${DLDEMOS_CACHE_DIR}" \
    && chown -R 10001:10001 /home/app/.cache
USER 10001:10001

# Optional: every downloadable file in the image (several GB), or only some demos.
RUN if [ "${FETCH_WEIGHTS}" = "1" ]; then \
        set --; \
        for demo in ${FETCH_ONLY}; do set -- "$@" --only "${demo}"; done; \
        python -m demos.fetch "$@"; \
    fi

EXPOSE 8501
VOLUME ["/weights"]

HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4); sys.exit(r.read().strip() != b'ok')"]

CMD ["streamlit", "run", "app.py"]
