"""Messages of the home page, the map and the region data (ru, kk, en)."""

MESSAGES: dict[str, dict[str, str]] = {
    "app.title": {"ru": "Qorgau — планирование служб помощи", "kk": "Qorgau — көмек қызметтерін жоспарлау",
                  "en": "Qorgau — planning support services"},
    "app.language": {"ru": "Язык", "kk": "Тіл", "en": "Language"},
    "nav.home": {"ru": "Главная", "kk": "Басты бет", "en": "Home"},
    "nav.map": {"ru": "Карта", "kk": "Карта", "en": "Map"},
    "home.intro": {
        "ru": "Qorgau показывает, где службы помощи пострадавшим от семейного насилия оставляют сёла слишком далеко "
              "от помощи: сёла, обращения (в агрегированном виде) и зоны доступности по дорогам OpenStreetMap.",
        "kk": "Qorgau отбасылық зорлық-зомбылықтан зардап шеккендерге көмек қызметтері қай ауылдарды көмектен тым "
              "алыс қалдыратынын көрсетеді: ауылдар, өтініштер (жинақталған түрде) және OpenStreetMap жолдары "
              "бойынша қолжетімділік аймақтары.",
        "en": "Qorgau shows where a placement of support services for victims of family violence leaves villages too "
              "far from help: villages, reported incidents (aggregated) and travel-time zones over OpenStreetMap roads.",
    },
    "home.region": {"ru": "Загруженный регион", "kk": "Жүктелген аймақ", "en": "Region loaded"},
    "home.folder": {"ru": "Папка региона", "kk": "Аймақ қалтасы", "en": "Region folder"},
    "home.status": {"ru": "Состояние данных", "kk": "Деректер күйі", "en": "Data status"},
    "home.warnings": {"ru": "Предупреждения ({n})", "kk": "Ескертулер ({n})", "en": "Warnings ({n})"},
    "home.sources": {"ru": "Источники и лицензии", "kk": "Дереккөздер мен лицензиялар", "en": "Sources and licences"},
    "home.open_other": {
        "ru": "Чтобы открыть другой регион, задайте папку в переменной окружения QORGAU_REGION или введите путь ниже.",
        "kk": "Басқа аймақты ашу үшін QORGAU_REGION айнымалысында қалтаны көрсетіңіз немесе жолды төменде енгізіңіз.",
        "en": "To open another region, set the folder in the QORGAU_REGION environment variable or enter its path below.",
    },
    "home.open_button": {"ru": "Открыть папку", "kk": "Қалтаны ашу", "en": "Open folder"},
    "home.lacks": {"ru": "Чего не хватает", "kk": "Не жетіспейді", "en": "What is missing"},
    "lack.districts": {
        "ru": "Нет границ районов: нужна папка региона с districts.geojson или загрузка из OpenStreetMap.",
        "kk": "Аудан шекаралары жоқ: districts.geojson бар аймақ қалтасы немесе OpenStreetMap-тен жүктеу керек.",
        "en": "No district outlines: use a region folder with districts.geojson, or the OpenStreetMap download.",
    },
    "lack.settlements": {
        "ru": "Нет населённых пунктов: добавьте settlements.geojson/.csv или загрузите точки из OpenStreetMap.",
        "kk": "Елді мекендер жоқ: settlements.geojson/.csv қосыңыз немесе OpenStreetMap-тен жүктеңіз.",
        "en": "No settlements: add settlements.geojson/.csv, or download place nodes from OpenStreetMap.",
    },
    "lack.population": {
        "ru": "У части сёл нет численности населения: они учитываются как «население неизвестно».",
        "kk": "Кейбір ауылдардың халық саны жоқ: олар «халқы белгісіз» ретінде есептеледі.",
        "en": "Some villages have no population: they are counted as 'population unknown'.",
    },
    "lack.services": {
        "ru": "Нет файла служб: показан базовый сценарий (по одной службе в центре каждого района).",
        "kk": "Қызметтер файлы жоқ: базалық сценарий көрсетілген (әр аудан орталығында бір қызмет).",
        "en": "No services file: the baseline is shown (one service in each district centre).",
    },
    "lack.roads": {
        "ru": "Нет дорожной сети: время в пути — оценка по прямой. Загрузите .osm/.osm.pbf или скачайте дороги из "
              "OpenStreetMap на странице «Дороги».",
        "kk": "Жол желісі жоқ: жол уақыты түзу сызық бойынша бағаланады. .osm/.osm.pbf жүктеңіз немесе «Жолдар» "
              "бетінде OpenStreetMap-тен жүктеп алыңыз.",
        "en": "No road network: travel times are straight-line estimates. Load an .osm/.osm.pbf file or download "
              "roads from OpenStreetMap on the Roads page.",
    },
    "lack.incidents": {"ru": "Нет данных об обращениях.", "kk": "Өтініштер туралы деректер жоқ.",
                       "en": "No incident data."},
    "default.lacks": {
        "ru": "Встроенный регион собран только из открытых данных пакетов: границы области и г. Шымкент (UN OCHA) и "
              "{n} городов и крупных сёл GeoNames. В нём нет границ районов, большинства сёл и дорог.",
        "kk": "Кіріктірілген аймақ тек пакеттердің ашық деректерінен жиналған: облыс пен Шымкент шекаралары (UN OCHA) "
              "және GeoNames-тің {n} қаласы мен ірі ауылы. Онда аудан шекаралары, ауылдардың көбі және жолдар жоқ.",
        "en": "The bundled region is built only from open data that packages ship: the outlines of the region and "
              "Shymkent (UN OCHA) and {n} towns and large villages from GeoNames. It has no district outlines, most "
              "villages are missing, and there are no roads.",
    },
    "synthetic.banner": {
        "ru": "Демонстрационные данные: обращения СГЕНЕРИРОВАНЫ (синтетические), это не реальные записи.",
        "kk": "Демо деректер: өтініштер ЖАСАЛҒАН (синтетикалық), бұл нақты жазбалар емес.",
        "en": "Demo data: the incidents are SYNTHETIC (generated), not real records.",
    },
    "count.districts": {"ru": "Районы", "kk": "Аудандар", "en": "Districts"},
    "count.settlements": {"ru": "Населённые пункты", "kk": "Елді мекендер", "en": "Settlements"},
    "count.services": {"ru": "Службы", "kk": "Қызметтер", "en": "Services"},
    "count.incidents": {"ru": "Обращения", "kk": "Өтініштер", "en": "Incidents"},
    "count.population": {"ru": "Население (известное)", "kk": "Халық (белгілі)", "en": "Population (known)"},
    "count.no_population": {"ru": "Сёла без численности", "kk": "Халық саны жоқ ауылдар",
                            "en": "Settlements without population"},
    "layer.outline": {"ru": "Граница региона", "kk": "Аймақ шекарасы", "en": "Region outline"},
    "layer.districts": {"ru": "Районы", "kk": "Аудандар", "en": "Districts"},
    "layer.settlements": {"ru": "Населённые пункты", "kk": "Елді мекендер", "en": "Settlements"},
    "layer.services": {"ru": "Службы помощи", "kk": "Көмек қызметтері", "en": "Support services"},
    "layer.incidents": {"ru": "Обращения по населённым пунктам", "kk": "Елді мекендер бойынша өтініштер",
                        "en": "Incidents per settlement"},
    "layer.incidents_synthetic": {"ru": "Обращения по н. п. (синтетические)", "kk": "Өтініштер (синтетикалық)",
                                  "en": "Incidents per settlement (synthetic)"},
    "field.name": {"ru": "Название", "kk": "Атауы", "en": "Name"},
    "field.kind": {"ru": "Тип", "kk": "Түрі", "en": "Kind"},
    "field.population": {"ru": "Население", "kk": "Халқы", "en": "Population"},
    "field.district": {"ru": "Район", "kk": "Аудан", "en": "District"},
    "field.incidents": {"ru": "Обращения", "kk": "Өтініштер", "en": "Incidents"},
    "value.unknown": {"ru": "неизвестно", "kk": "белгісіз", "en": "unknown"},
    "kind.city": {"ru": "город", "kk": "қала", "en": "city"},
    "kind.town": {"ru": "посёлок/город", "kk": "кент/қалашық", "en": "town"},
    "kind.village": {"ru": "село", "kk": "ауыл", "en": "village"},
    "kind.hamlet": {"ru": "хутор", "kk": "шағын ауыл", "en": "hamlet"},
    "kind.isolated_dwelling": {"ru": "отдельный двор", "kk": "жеке қора", "en": "isolated dwelling"},
    "kind.suburb": {"ru": "микрорайон", "kk": "шағын аудан", "en": "suburb"},
    "kind.locality": {"ru": "урочище", "kk": "мекен", "en": "locality"},
    "kind.unknown": {"ru": "неизвестно", "kk": "белгісіз", "en": "unknown"},
    "kind.permanent": {"ru": "постоянная служба", "kk": "тұрақты қызмет", "en": "permanent service"},
    "kind.mobile": {"ru": "мобильная группа", "kk": "жылжымалы топ", "en": "mobile team"},
    "legend.title": {"ru": "Легенда", "kk": "Шартты белгілер", "en": "Legend"},
    "legend.settlement": {"ru": "населённый пункт (размер — население)", "kk": "елді мекен (өлшемі — халқы)",
                          "en": "settlement (size = population)"},
    "legend.settlement_unknown": {"ru": "население неизвестно", "kk": "халқы белгісіз", "en": "population unknown"},
    "legend.service": {"ru": "служба помощи", "kk": "көмек қызметі", "en": "support service"},
    "legend.incidents": {"ru": "обращения (меньше {k} — «<{k}»)", "kk": "өтініштер ({k}-тен аз — «<{k}»)",
                         "en": "incidents (fewer than {k} shown as '<{k}')"},
    "map.caption": {"ru": "Карта работает без интернета: подложка не нужна.",
                    "kk": "Карта интернетсіз жұмыс істейді: негізгі қабат қажет емес.",
                    "en": "The map works offline: no tile server is needed."},
    "roads.building": {"ru": "Строится дорожная сеть (один раз, затем из кэша)…",
                       "kk": "Жол желісі құрылуда (бір рет, содан кейін кэштен)…",
                       "en": "Building the road network (once, then from the cache)…"},
    "access.sign_in_first": {"ru": "Войдите, чтобы открыть эту страницу.", "kk": "Бұл бетті ашу үшін жүйеге кіріңіз.",
                             "en": "Sign in to open this page."},
    "access.denied": {"ru": "Роль «{role}» не даёт доступа к этой странице.",
                      "kk": "«{role}» рөлі бұл бетке рұқсат бермейді.",
                      "en": "The role '{role}' may not open this page."},
    "method.estimate_desc": {
        "ru": "оценка без дорожной сети: расстояние по прямой × {circuity} (извилистость) при {speed} км/ч",
        "kk": "жол желісіз бағалау: түзу қашықтық × {circuity} (иректілік), {speed} км/сағ жылдамдықпен",
        "en": "estimate without a road network: straight-line distance × {circuity} (circuity) at {speed} km/h"},
    "method.none": {"ru": "нет", "kk": "жоқ", "en": "none"},
}
