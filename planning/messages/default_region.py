"""Messages about the bundled default region and the attribution of a region's sources (ru, kk, en)."""

MESSAGES: dict[str, dict[str, str]] = {
    "default.about": {
        "ru": "Встроенный регион — реальные данные: границы Туркестанской области, г. Шымкент и их районов (всего "
              "{districts}; UN OCHA COD-AB) и населённые пункты OpenStreetMap с кодами КАТО (всего {settlements}). "
              "Обращения в нём синтетические: они сгенерированы для демонстрации и не являются реальными записями.",
        "kk": "Кіріктірілген аймақ — нақты деректер: Түркістан облысы, Шымкент қаласы және {districts} ауданның "
              "шекаралары (UN OCHA COD-AB) және ҚАТО кодтары бар OpenStreetMap-тің {settlements} елді мекені. "
              "Ондағы өтініштер синтетикалық: олар көрсету үшін жасалған, нақты жазбалар емес.",
        "en": "The bundled region is real data: the outlines of Turkistan region, Shymkent and {districts} districts "
              "(UN OCHA COD-AB) and {settlements} OpenStreetMap settlements with KATO codes. Its incidents are "
              "synthetic: generated for demonstration, not real records.",
    },
    "home.attribution": {"ru": "Атрибуция: {text}", "kk": "Атрибуция: {text}", "en": "Attribution: {text}"},
}
