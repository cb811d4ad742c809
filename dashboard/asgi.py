import os

from django.core.asgi import get_asgi_application

from dashboard.private_files import restrict_umask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
restrict_umask()

application = get_asgi_application()
