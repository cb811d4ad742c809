"""What the planner weighs, pinned for the tests that read its plans (EXPLAIN)."""

# PostgreSQL's defaults (its documentation, "Planner Cost Constants"): a server tuned otherwise plans the same
# in these tests.
PLANNER_DEFAULTS = {
    "seq_page_cost": "1",
    "random_page_cost": "4",
    "cpu_tuple_cost": "0.01",
    "cpu_index_tuple_cost": "0.005",
    "cpu_operator_cost": "0.0025",
    "effective_cache_size": "'4GB'",
}
