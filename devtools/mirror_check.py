"""How far the mirror is from the simulator: encodings missing, extra or with the wrong status."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from devtools.simulator_process import SimulatorProcess

MIRROR_SQL = """
    SELECT o.tenant_org_id, e.bitmovin_id, e.status
    FROM encodings_app_encoding e JOIN encodings_app_organization o ON o.id = e.organization_id
    WHERE e.deleted_at IS NULL
"""


@dataclass(frozen=True)
class MirrorDifference:
    missing: int  # in the simulator, not in the mirror
    extra: int  # in the mirror, not in the simulator
    wrong: int  # in both, with another status
    compared: int  # encodings in the simulator for the organizations the mirror watches

    def as_dict(self) -> dict:
        return asdict(self)


def mirror_difference(
    simulator: SimulatorProcess, *, watched: set[str], mirror_rows: list[tuple[str, str, str]]
) -> MirrorDifference:
    """Compare the mirror's live (tenant, id, status) rows with the simulator's state at one moment, for the
    tenants the dashboard watches."""
    truth = {
        encoding_id: status
        for encoding_id, (tenant, status) in simulator.encoding_statuses().items()
        if tenant in watched
    }
    mirror = {encoding_id: status for _, encoding_id, status in mirror_rows}
    both = truth.keys() & mirror.keys()
    return MirrorDifference(
        missing=len(truth.keys() - mirror.keys()),
        extra=len(mirror.keys() - truth.keys()),
        wrong=sum(1 for encoding_id in both if truth[encoding_id] != mirror[encoding_id]),
        compared=len(truth),
    )
