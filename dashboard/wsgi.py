import os

from django.core.wsgi import get_wsgi_application

from dashboard.private_files import restrict_umask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
restrict_umask()

application = get_wsgi_application()
