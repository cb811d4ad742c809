from django.urls import path

from encodings_app.views import (
    account,
    actions,
    alert_channels,
    alert_rules,
    alert_silences,
    alerts_page,
    bulk,
    connections,
    display_links,
    encoding_detail,
    encodings,
    export,
    health,
    home,
    incidents,
    members,
    metrics,
    organization_settings,
    overview,
    saved_views,
    search,
    switch,
    trends,
    usage,
    usage_accounts,
    wall,
    webhooks,
)

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Answered before routing like the probes (dashboard/probes.py); named here for reverse() and the walk.
    path("metrics", metrics.metrics, name="metrics"),
    path("webhooks/bitmovin/<slug:organization_slug>/", webhooks.bitmovin_webhook, name="bitmovin-webhook"),
    path("search/", search.site_search, name="site-search"),
    path("account/", account.account, name="account"),
    path("account/password/", account.password_change, name="account-password"),
    path("account/tokens/<int:token_id>/revoke/", account.token_revoke, name="account-token-revoke"),
    path("organizations/new/", organization_settings.organization_new, name="organization-new"),
    path("connections/", connections.connection_list, name="connection-list"),
    path("usage/", usage_accounts.usage_across_organizations, name="usage-across"),
    path("connections/new/", connections.connection_new, name="connection-new"),
    path("connections/<uuid:public_id>/", connections.connection_detail, name="connection-detail"),
    path("connections/<uuid:public_id>/key/", connections.connection_key, name="connection-key"),
    path(
        "connections/<uuid:public_id>/members/",
        connections.account_member_add_view,
        name="connection-member-add",
    ),
    path(
        "connections/<uuid:public_id>/members/<int:user_id>/role/",
        connections.account_member_role,
        name="connection-member-role",
    ),
    path(
        "connections/<uuid:public_id>/members/<int:user_id>/remove/",
        connections.account_member_remove_view,
        name="connection-member-remove",
    ),
    path("wall/<str:token>/", wall.wall_by_token, name="wall"),
    path("wall/d/<int:link_id>/", wall.wall_display, name="wall-display"),
    path("o/<slug:slug>/wall/", wall.wall_for_member, name="organization-wall"),
    path("o/<slug:slug>/", overview.overview, name="overview"),
    path("o/<slug:slug>/switch/", switch.organization_switch, name="organization-switch"),
    path("o/<slug:slug>/encodings/", encodings.encoding_list, name="encoding-list"),
    # Not under encodings/: any name there could be an encoding's id.
    path("o/<slug:slug>/list-view/", encodings.list_view_save, name="encoding-list-view"),
    path("o/<slug:slug>/bulk/", bulk.bulk_confirm, name="bulk-confirm"),
    path("o/<slug:slug>/bulk/<int:job_id>/", bulk.bulk_job, name="bulk-job"),
    path("o/<slug:slug>/bulk/jobs/", bulk.bulk_jobs, name="bulk-jobs"),
    path("o/<slug:slug>/saved-views/", saved_views.saved_view_create, name="saved-view-create"),
    path(
        "o/<slug:slug>/saved-views/<int:view_id>/delete/",
        saved_views.saved_view_remove,
        name="saved-view-delete",
    ),
    path(
        "o/<slug:slug>/saved-views/<int:view_id>/default/",
        saved_views.saved_view_make_default,
        name="saved-view-default",
    ),
    path(
        "o/<slug:slug>/saved-views/default/clear/",
        saved_views.saved_view_clear_default,
        name="saved-view-default-clear",
    ),
    # Not under encodings/ either; the list's filters follow in the query string.
    path("o/<slug:slug>/export/encodings.csv", export.encodings_export, name="encoding-export"),
    path("o/<slug:slug>/export/failures.csv", export.failures_export, name="failure-export"),
    path(
        "o/<slug:slug>/encodings/<str:bitmovin_id>/", encoding_detail.encoding_detail, name="encoding-detail"
    ),
    path(
        "o/<slug:slug>/encodings/<str:bitmovin_id>/refresh/",
        encoding_detail.encoding_refresh_request,
        name="encoding-refresh",
    ),
    path(
        "o/<slug:slug>/encodings/<str:bitmovin_id>/actions/<slug:action>/",
        actions.encoding_action,
        name="encoding-action",
    ),
    path("o/<slug:slug>/trends/", trends.trends, name="trends"),
    path("o/<slug:slug>/usage/", usage.usage, name="organization-usage"),
    path("o/<slug:slug>/incidents/", incidents.incident_list, name="incident-list"),
    path("o/<slug:slug>/incidents/<int:incident_id>/", incidents.incident_detail, name="incident-detail"),
    path(
        "o/<slug:slug>/settings/", organization_settings.organization_settings, name="organization-settings"
    ),
    path(
        "o/<slug:slug>/settings/test-connection/",
        organization_settings.test_connection,
        name="organization-test-connection",
    ),
    path(
        "o/<slug:slug>/settings/webhooks/",
        organization_settings.register_webhooks,
        name="organization-webhooks",
    ),
    path(
        "o/<slug:slug>/settings/webhooks/secret/",
        organization_settings.webhook_secret_replace,
        name="organization-webhook-secret",
    ),
    path("o/<slug:slug>/settings/alerts/", alerts_page.alerts, name="organization-alerts"),
    path(
        "o/<slug:slug>/settings/alerts/channels/",
        alert_channels.channel_create,
        name="alert-channel-create",
    ),
    path(
        "o/<slug:slug>/settings/alerts/channels/<int:channel_id>/test/",
        alert_channels.send_test,
        name="alert-channel-test",
    ),
    path(
        "o/<slug:slug>/settings/alerts/channels/<int:channel_id>/remove/",
        alert_channels.remove,
        name="alert-channel-remove",
    ),
    path("o/<slug:slug>/settings/alerts/rules/<slug:kind>/", alert_rules.change, name="alert-rule-change"),
    path(
        "o/<slug:slug>/settings/alerts/rules/<slug:kind>/reset/",
        alert_rules.reset,
        name="alert-rule-reset",
    ),
    path("o/<slug:slug>/settings/alerts/silences/", alert_silences.add, name="alert-silence-add"),
    path(
        "o/<slug:slug>/settings/alerts/silences/<int:silence_id>/end/",
        alert_silences.end,
        name="alert-silence-end",
    ),
    path("o/<slug:slug>/settings/members/", members.member_add, name="organization-member-add"),
    path(
        "o/<slug:slug>/settings/members/<int:user_id>/", members.member_role, name="organization-member-role"
    ),
    path("o/<slug:slug>/settings/walls/", display_links.create, name="display-link-create"),
    path(
        "o/<slug:slug>/settings/walls/<int:link_id>/revoke/",
        display_links.revoke,
        name="display-link-revoke",
    ),
    path(
        "o/<slug:slug>/settings/members/<int:user_id>/remove/",
        members.member_remove,
        name="organization-member-remove",
    ),
]
