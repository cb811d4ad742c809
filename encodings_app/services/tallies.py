"""Folding an organization's tally rows (models/tallies.py) into one per status and day.

The triggers only ever add rows; every sync that changes encodings adds a few. Folding them keeps the sum a
page reads at a few dozen rows. It is safe beside writers: the rows folded are exactly those this
transaction deleted (DELETE ... RETURNING), so a change committed meanwhile stays as its own row, and two
folds of the same organization each re-add only what they removed.
"""

from __future__ import annotations

import logging
from collections import Counter

from django.db import DatabaseError, connection, transaction
from django.db.models import Count

from encodings_app.models import EncodingTally
from encodings_app.tally_triggers import TALLIES

logger = logging.getLogger(__name__)

# An organization's rows are folded once there are more than this: a sum over so few is still one short
# index read, and folding after every small sync would only churn the table.
FOLD_AFTER_ROWS = 64


def tallies_fold(organization_id: int) -> int:
    """Fold one organization's rows; returns how many rows it had."""
    with transaction.atomic(), connection.cursor() as cursor:
        returning = f"DELETE FROM {TALLIES} WHERE organization_id = %s RETURNING status, day, n"  # noqa: S608 - our table
        cursor.execute(returning, [organization_id])
        removed = cursor.fetchall()
        sums: Counter = Counter()
        for status, day, n in removed:
            sums[(status, day)] += n
        EncodingTally.objects.bulk_create(
            EncodingTally(organization_id=organization_id, status=status, day=day, n=n)
            for (status, day), n in sums.items()
            if n
        )
    return len(removed)


def tallies_fold_if_long(organization_id: int) -> None:
    """After a sync: fold the organization's rows if they grew past FOLD_AFTER_ROWS. A failure is logged and
    left for the next sync; the counts stay right meanwhile, only their sum reads more rows."""
    try:
        if EncodingTally.objects.filter(organization_id=organization_id).count() > FOLD_AFTER_ROWS:
            tallies_fold(organization_id)
    except DatabaseError:
        logger.exception("folding the encoding counts of organization %s failed", organization_id)


def tallies_fold_all() -> int:
    """Fold every organization with more than FOLD_AFTER_ROWS rows (those no sync folds: an organization
    whose sync is off still has webhooks and the prune writing); returns how many were folded. Like
    tallies_fold_if_long, a failure is logged and left for the next time, and the others are still folded."""
    try:
        long = list(
            EncodingTally.objects.order_by()
            .values("organization_id")
            .annotate(rows=Count("*"))
            .filter(rows__gt=FOLD_AFTER_ROWS)
            .values_list("organization_id", flat=True)
        )
    except DatabaseError:
        logger.exception("finding the encoding counts to fold failed")
        return 0
    folded = 0
    for organization_id in long:
        try:
            tallies_fold(organization_id)
        except DatabaseError:
            logger.exception("folding the encoding counts of organization %s failed", organization_id)
        else:
            folded += 1
    return folded
