"""Alerts: evaluate the rules of each organization against the mirror and the sync state, keep its
incidents (models/alerts.py) in step, and tell its alert channels (services/alert_channels/).

    rules.py        defaults, and an admin's changes to them
    failures.py     failed encodings grouped by cause, and the spike
    stuck.py        stuck encodings, VOD and live
    sync_broken.py  a sync that cannot or does not work
    incidents.py    open, update, resolve; one event per transition
    notify.py       what to tell, when: once per cause and window, digests of floods
    messages.py     the words of each message
    evaluate.py     one organization, or all
"""

from encodings_app.services.alerts.evaluate import Evaluated, alerts_evaluate, alerts_run, alerts_run_all
from encodings_app.services.alerts.incidents import Reconciled

__all__ = ["Evaluated", "Reconciled", "alerts_evaluate", "alerts_run", "alerts_run_all"]
