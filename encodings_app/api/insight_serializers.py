"""The shapes of the trends answer, for the schema and the answer alike."""

from __future__ import annotations

from rest_framework import serializers


class TrendLinksSerializer(serializers.Serializer):
    encodings = serializers.CharField(
        allow_null=True,
        help_text="This API's encodings list filtered to exactly the encodings counted; null when its "
        "filters cannot tell them apart (no error details read yet; AUTO or STABLE, which other failures "
        "asked for before Bitmovin placed them).",
    )
    page = serializers.CharField(
        allow_null=True, help_text="The same encodings on the dashboard's list page."
    )


class TrendCodeSerializer(serializers.Serializer):
    errorCode = serializers.IntegerField(allow_null=True)
    title = serializers.CharField(help_text="The error catalogue's title, in plain words.")
    category = serializers.CharField()
    count = serializers.IntegerField()
    links = TrendLinksSerializer()


class TrendValueSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="Empty when the mirror knows none.")
    count = serializers.IntegerField()
    links = TrendLinksSerializer()


class TrendDaySerializer(serializers.Serializer):
    day = serializers.DateField(help_text="A UTC day.")
    finished = serializers.IntegerField()
    failed = serializers.IntegerField()
    successRate = serializers.FloatField(
        allow_null=True, help_text="Finished among those that ended that day, 0 to 1; null if none did."
    )
    medianQueueSeconds = serializers.FloatField(
        allow_null=True, help_text="Queued to running, of the encodings that ended that day."
    )
    medianRunSeconds = serializers.FloatField(
        allow_null=True, help_text="Running to finished, of the encodings that finished that day."
    )
    failedLinks = TrendLinksSerializer()


class TrendsSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    since = serializers.DateTimeField(help_text="Midnight UTC of the window's first day.")
    finished = serializers.IntegerField()
    failed = serializers.IntegerField()
    successRate = serializers.FloatField(allow_null=True)
    byErrorCode = TrendCodeSerializer(many=True)
    byRegion = TrendValueSerializer(many=True, help_text="The region Bitmovin chose, else the one asked.")
    byEncoderVersion = TrendValueSerializer(
        many=True, help_text="The version Bitmovin used, else the one asked for."
    )
    byErrorCategory = TrendValueSerializer(many=True, help_text="The category as the encoder reported it.")
    daily = TrendDaySerializer(many=True)
