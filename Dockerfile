# Production-like image: the same code for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

RUN useradd --create-home --uid 1000 app
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .

# collectstatic imports settings, which need production values; these are build-time only.
RUN DEBUG=0 SECRET_KEY=build-only-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz \
    ALLOWED_HOSTS=localhost FIELD_ENCRYPTION_KEYS=4lx_mIh1e3YtqwK4f_hE8JGLglji4tlfiXN2U5fm6uE= \
    DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput

USER app
EXPOSE 8000
CMD ["gunicorn", "contentapp.wsgi:application", "--bind", "0.0.0.0:8000", "-c", "python:contentapp.gunicorn_config"]
