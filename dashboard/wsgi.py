import os

from django.core.wsgi import get_wsgi_application

from dashboard.checks import refuse_to_start
from dashboard.private_files import restrict_umask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
restrict_umask()

application = get_wsgi_application()

# gunicorn runs no system checks: the web server refuses the demo's parts in production itself.
refuse_to_start("web server")
