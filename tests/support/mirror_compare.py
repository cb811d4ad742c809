"""Does an organization's mirror hold what the API holds? One comparison for the tests of convergence."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection

from encodings_app.bitmovin import BitmovinClient
from encodings_app.models import Encoding, Message, Organization
from encodings_app.services.mirror import message_key, task_messages


def mirror_differences(
    organization: Organization, client: BitmovinClient, *, replanned: Collection[str] = ()
) -> list[str]:
    """What differs between the mirror and the API, in words ([] when they match): which encodings are live;
    each one's name, status, labels, times, progress and error code; and its messages, each stored once.

    `replanned` names encodings the simulator was made to re-plan (POST /_sim/encodings): that replaces the
    messages it shows, while the mirror rightly keeps those it read before, so for these the API's messages
    need only be among the mirror's.
    """
    api = {item.id: item for item in client.iter_encodings()}
    mirror = {e.bitmovin_id: e for e in Encoding.objects.filter(organization=organization).live()}
    differences = [f"only in the API: {bitmovin_id}" for bitmovin_id in sorted(api.keys() - mirror.keys())]
    differences += [
        f"only in the mirror: {bitmovin_id}" for bitmovin_id in sorted(mirror.keys() - api.keys())
    ]
    stored = Counter(
        Message.objects.filter(encoding__organization=organization).values_list(
            "encoding__bitmovin_id", "bitmovin_id"
        )
    )
    differences += [f"message stored {n} times: {key}" for key, n in stored.items() if n > 1]
    kept_by_encoding: dict[str, set[str]] = defaultdict(set)
    for encoding_id, key in stored:
        kept_by_encoding[encoding_id].add(key)
    for bitmovin_id in sorted(api.keys() & mirror.keys()):
        item, encoding = api[bitmovin_id], mirror[bitmovin_id]
        task = client.get_encoding_status(bitmovin_id)
        expected = {
            "name": item.name,
            "status": str(item.status),
            "labels": list(item.labels),
            "created_at": item.created_at,
            "finished_at": item.finished_at,
            "progress": task.progress,
            "error_code": task.error.code if task.error else None,
        }
        differences += [
            f"{bitmovin_id} {field}: mirror {getattr(encoding, field)!r}, API {value!r}"
            for field, value in expected.items()
            if getattr(encoding, field) != value
        ]
        shown = {message_key(message, subtask) for subtask, message in task_messages(task)}
        kept = kept_by_encoding[bitmovin_id]
        if shown - kept:
            differences.append(f"{bitmovin_id}: {len(shown - kept)} message(s) not in the mirror")
        if bitmovin_id not in replanned and kept - shown:
            differences.append(f"{bitmovin_id}: {len(kept - shown)} message(s) the API does not show")
    return differences
