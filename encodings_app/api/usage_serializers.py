"""The usage answer: the figures per day or month of each series, the customer labels' totals, and how
fresh the mirror is. Minutes are billable minutes as Bitmovin counts them, output is bytes encoded."""

from __future__ import annotations

from rest_framework import serializers


class UsageFiguresSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="The day (yyyy-MM-dd, UTC) or the month (yyyy-MM).")
    series = serializers.CharField(help_text="VOD or LIVE, or the label asked for.")
    billableMinutes = serializers.FloatField()
    encodedSeconds = serializers.IntegerField()
    outputBytes = serializers.IntegerField()


class CustomerLabelSerializer(serializers.Serializer):
    label = serializers.CharField()
    billableMinutes = serializers.FloatField()
    encodedSeconds = serializers.IntegerField()
    outputBytes = serializers.IntegerField()


class UsageSerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=["day", "month"])
    dateFrom = serializers.DateField(help_text="The first day counted (for by=month, its month's first day).")
    dateTo = serializers.DateField(help_text="The last day counted.")
    type = serializers.ChoiceField(choices=["all", "VOD", "LIVE"])
    label = serializers.CharField(allow_null=True, help_text="The one label shown; null: by encoding type.")
    syncedAt = serializers.DateTimeField(
        allow_null=True, help_text="When the figures were last read; null: never."
    )
    syncError = serializers.CharField(
        allow_null=True, help_text="Why the last read failed; null when it worked."
    )
    series = serializers.ListField(child=serializers.CharField())
    items = UsageFiguresSerializer(many=True, help_text="One item per period and series, oldest first.")
    customerLabels = CustomerLabelSerializer(
        many=True, help_text="Labels naming customers (starting with 'customer'), most minutes first."
    )
