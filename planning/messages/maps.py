"""Messages of the readable maps (the district names layer)."""

MESSAGES = {
    "maps.layer.district_names": {"ru": "Названия районов", "kk": "Аудан атаулары", "en": "District names"},
}
