"""The Celery app in the standard Django layout; configuration comes from settings ``CELERY_*``.

Logging is Django's (``settings.LOGGING``: JSON lines with ``LOG_FORMAT=json``) in the worker
and beat too, instead of Celery's own setup, and every line a task logs carries the task's name
and id (governance.logs).
"""

import logging.config
import os
from typing import Any

from celery import Celery, signals

from governance.logs import bind, unbind

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

app = Celery("governance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def configure_logging(**kwargs: Any) -> None:
    """Celery leaves the logging alone when this signal has a receiver: use Django's."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


_bound: dict[str, Any] = {}


@signals.task_prerun.connect
def bind_task(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    if task_id:
        _bound[task_id] = bind(task=getattr(task, "name", ""), task_id=task_id)


@signals.task_postrun.connect
def unbind_task(task_id: str | None = None, **kwargs: Any) -> None:
    token = _bound.pop(task_id or "", None)
    if token is not None:
        unbind(token)
