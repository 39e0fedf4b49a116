import os

from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# gunicorn does not run the system checks as runserver does; a serious one (such as
# archive.E001, serving with no SECRET_KEY) must stop an app server from starting.
_errors = [m for m in run_checks() if m.is_serious() and not m.is_silenced()]
if _errors:
    raise ImproperlyConfigured("\n".join(str(error) for error in _errors))
