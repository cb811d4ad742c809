from django.apps import AppConfig


class EncodingsAppConfig(AppConfig):
    name = "encodings_app"
    verbose_name = "Encodings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.db.backends.signals import connection_created

        # Registers the check that refuses the demo's parts in production.
        import dashboard.checks  # noqa: F401

        # Registers the check that the search indexes are there (PostgreSQL).
        import encodings_app.checks  # noqa: F401
        from encodings_app.services.login_lockout import on_user_locked_out

        user_locked_out.connect(on_user_locked_out, dispatch_uid="encodings_app.login_lockout")

        # The median of the trends on SQLite, which has none (PostgreSQL uses percentile_cont).
        from encodings_app.selectors.aggregates import register_sqlite_aggregates

        connection_created.connect(register_sqlite_aggregates, dispatch_uid="encodings_app.sqlite_aggregates")
