# Production image: gunicorn serves the app, the same image runs the Celery worker and beat
# (see docker-compose.yml). Static files are collected at build time and served by WhiteNoise.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint renders the meeting packets with Pango; the CJK font gives the PDFs their Chinese glyphs.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Requirements first, so a code change does not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# DEBUG=0 selects WhiteNoise's compressed manifest storage, as the running app uses. Settings refuse a
# weak key with DEBUG=0, so this step gets a random one that lives only as long as the command; the real
# key comes from the environment (.env) when the container runs.
RUN DEBUG=0 SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" python manage.py collectstatic --noinput

# Uploads and generated exports go to /app/media, a volume in docker-compose.yml; a named volume
# takes this directory's owner when first created, so the unprivileged user can write to it.
RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app \
    && mkdir -p /app/media \
    && chown app:app /app/media
USER app

# /app is read-only for the app user; fontconfig (WeasyPrint) keeps any cache it writes in /tmp.
ENV DEBUG=0 \
    MEDIA_ROOT=/app/media \
    XDG_CACHE_HOME=/tmp/cache

EXPOSE 8000
CMD ["gunicorn", "ganzhou_projects.wsgi:application", "-c", "deploy/gunicorn.conf.py"]
