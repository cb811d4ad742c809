from django.apps import AppConfig


class EncodingsAppConfig(AppConfig):
    name = "encodings_app"
    verbose_name = "Encodings"
    default_auto_field = "django.db.models.BigAutoField"
