# Walk-Run Coach web and Celery image (the same image runs gunicorn, the worker and beat).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 1000 app

COPY pyproject.toml README.md ./
COPY config ./config
COPY accounts ./accounts
COPY notifications ./notifications
COPY plans ./plans
COPY symptoms ./symptoms
COPY coaching ./coaching
RUN pip install .

COPY manage.py ./
COPY templates ./templates
COPY static ./static

# collectstatic needs settings that import cleanly; these build-time values are never served.
RUN DEBUG=0 SECRET_KEY=build-only-not-secret-build-only-not-secret-0123456789 \
    ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput

USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
