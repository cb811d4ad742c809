from django.db import migrations

from encodings_app.migration_operations import CreateSearchIndexes, TrigramExtensionWhenAllowed


class Migration(migrations.Migration):
    # The indexes build concurrently on PostgreSQL, which cannot happen inside a transaction.
    atomic = False

    dependencies = [
        ('encodings_app', '0013_alert_silences'),
    ]

    operations = [
        TrigramExtensionWhenAllowed(),
        CreateSearchIndexes(),
    ]
