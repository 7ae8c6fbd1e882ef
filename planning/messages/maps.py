"""Messages of the readable maps: district names layer, the still map's legend rows."""

MESSAGES = {
    "maps.layer.district_names": {"ru": "Названия районов", "kk": "Аудан атаулары", "en": "District names"},
    "maps.legend.covered": {"ru": "населённый пункт в пределах {minutes} мин", "kk": "{minutes} минут ішіндегі елді мекен",
                            "en": "settlement within {minutes} min"},
}
