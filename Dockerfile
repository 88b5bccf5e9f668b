# Production image: gunicorn (web), Celery worker and beat share it (see docker-compose.yml).
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
COPY --from=assets /app/node_modules ./node_modules
# Build steps load the settings, which need keys; these placeholders never reach a container.
ARG BUILD_KEYS="SECRET_KEY=build-only PII_KEYS=build:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= PII_HMAC_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
RUN python scripts/build_assets.py \
    && env $BUILD_KEYS python manage.py compilemessages --ignore node_modules -v0 \
    && env $BUILD_KEYS python manage.py collectstatic --no-input -v0 \
    && rm -rf node_modules
RUN useradd --system --uid 1000 governance && mkdir -p /app/var && chown governance /app/var
USER governance
EXPOSE 8000
