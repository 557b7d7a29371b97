from rest_framework import serializers

from .models import Region


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "kind", "zone", "urban_rural"]


class RegionCountSerializer(serializers.Serializer):
    region = RegionSerializer()
    households = serializers.IntegerField()
    persons = serializers.IntegerField()
