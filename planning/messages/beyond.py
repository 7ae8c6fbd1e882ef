"""Messages of the planner's question: villages beyond 30/60 minutes per district, the gap list, one village's
route (ru, kk, en)."""

MESSAGES: dict[str, dict[str, str]] = {
    "beyond.title_all": {"ru": "Населённые пункты дальше порогов доступности, по районам",
                         "kk": "Қолжетімділік шегінен алыс елді мекендер, аудандар бойынша",
                         "en": "Settlements beyond the access thresholds, by district"},
    "beyond.caption": {
        "ru": "«> N» — дальше N минут от ближайшей службы; н. п. — населённые пункты; жит. — их известная "
              "численность; б/д — из них без данных о населении (их жители в сумму не вошли); обращ. — обращения. "
              "Пояснение — при наведении на заголовок; щелчок по заголовку сортирует.",
        "kk": "«> N» — жақын қызметтен N минуттан алыс; е. м. — елді мекендер; тұрғын — олардың белгілі "
              "халық саны; дерексіз — олардың ішінде халық саны белгісіздері (тұрғындары қосындыға кірмеді). "
              "Түсіндірме — тақырыпқа меңзерді апарғанда; тақырыпты басу сұрыптайды.",
        "en": "“> N”: more than N minutes from the nearest service; settl.: settlements; people: "
              "their known population; no data: those of them without a known population (not in the sum). Hover a "
              "header for its meaning; click it to sort.",
    },
    "beyond.total": {"ru": "Итого по региону", "kk": "Барлығы", "en": "Region total"},
    "beyond.whole_region": {"ru": "Весь регион", "kk": "Бүкіл аймақ", "en": "Whole region"},
    "beyond.no_district": {"ru": "Без района", "kk": "Ауданы жоқ", "en": "No district"},
    "beyond.col.all_settlements": {"ru": "Всего н. п.", "kk": "Барлық е. м.", "en": "Settlements"},
    "beyond.col.people": {"ru": "жит. > {minutes}", "kk": "тұрғын > {minutes}", "en": "people > {minutes}"},
    "beyond.col.unknown_population": {"ru": "б/д > {minutes}", "kk": "дерексіз > {minutes}",
                                      "en": "no data > {minutes}"},
    "beyond.col.incidents": {"ru": "обращ. > {minutes}", "kk": "өтініш > {minutes}",
                             "en": "incidents > {minutes}"},
    "beyond.help.settlements_all": {"ru": "Все населённые пункты района", "kk": "Ауданның барлық елді мекендері",
                                    "en": "All settlements of the district"},
    "beyond.help.settlements": {"ru": "Населённые пункты дальше {minutes} мин от ближайшей службы",
                                "kk": "Жақын қызметтен {minutes} мин-тан алыс елді мекендер",
                                "en": "Settlements more than {minutes} min from the nearest service"},
    "beyond.help.people": {"ru": "Известная численность населения в пунктах дальше {minutes} мин",
                           "kk": "{minutes} мин-тан алыс елді мекендердің белгілі халық саны",
                           "en": "Known population of the settlements more than {minutes} min away"},
    "beyond.help.unknown_population": {
        "ru": "Сколько из пунктов дальше {minutes} мин не имеют данных о населении (их жители не вошли в сумму)",
        "kk": "{minutes} мин-тан алыс елді мекендердің қаншасында халық саны белгісіз (олардың тұрғындары қосындыға кірмеді)",
        "en": "How many of the settlements more than {minutes} min away have no known population (not in the sum)"},
    "beyond.help.incidents": {"ru": "Обращения из пунктов дальше {minutes} мин (защищённые значения)",
                              "kk": "{minutes} мин-тан алыс елді мекендерден өтініштер (қорғалған мәндер)",
                              "en": "Incidents from settlements more than {minutes} min away (protected values)"},
    "beyond.col.settlements": {"ru": "н. п. > {minutes}", "kk": "е. м. > {minutes}", "en": "settl. > {minutes}"},
    "beyond.help.population": {"ru": "Численность населения; «неизвестно» — данных нет",
                               "kk": "Халық саны; «белгісіз» — дерек жоқ", "en": "Population; “unknown”: no data"},
    # --- the gap list -------------------------------------------------------------------------------------
    "beyond.gaps_title": {"ru": "Населённые пункты дальше {minutes} мин", "kk": "{minutes} мин-тан алыс елді мекендер",
                          "en": "Settlements beyond {minutes} min"},
    "beyond.threshold": {"ru": "Порог, мин", "kk": "Шек, мин", "en": "Threshold, min"},
    "beyond.district_filter": {"ru": "Район", "kk": "Аудан", "en": "District"},
    "beyond.all_districts": {"ru": "Все районы", "kk": "Барлық аудандар", "en": "All districts"},
    "beyond.gap_totals": {
        "ru": "Итого: {settlements} нас. пунктов, известно жителей: {people}, без данных о населении: {unknown}",
        "kk": "Барлығы: {settlements} елді мекен, белгілі тұрғын: {people}, халқы белгісіз: {unknown}",
        "en": "Total: {settlements} settlements, known people: {people}, of unknown population: {unknown}",
    },
    "beyond.no_gaps": {"ru": "Все населённые пункты в пределах {minutes} мин от службы.",
                       "kk": "Барлық елді мекендер қызметтен {minutes} мин ішінде.",
                       "en": "Every settlement is within {minutes} min of a service."},
    # --- one village --------------------------------------------------------------------------------------
    "beyond.village_pick": {"ru": "Населённый пункт (или щёлкните его на карте)",
                            "kk": "Елді мекен (немесе картадан басыңыз)",
                            "en": "Settlement (or click it on the map)"},
    "beyond.village_placeholder": {"ru": "Выберите или начните вводить название",
                                   "kk": "Таңдаңыз немесе атауын тере бастаңыз",
                                   "en": "Choose or start typing a name"},
    "beyond.village_minutes": {"ru": "{name}: {minutes} мин до ближайшей службы «{service}».",
                               "kk": "{name}: жақын «{service}» қызметіне дейін {minutes} мин.",
                               "en": "{name}: {minutes} min to the nearest service, “{service}”."},
    "beyond.village_unreachable": {"ru": "{name}: ни одна служба недостижима.",
                                   "kk": "{name}: бірде-бір қызметке жету мүмкін емес.",
                                   "en": "{name}: no service can be reached."},
    "beyond.route_drawn": {"ru": "Маршрут по дорогам показан на карте.",
                           "kk": "Жолдар бойынша бағыт картада көрсетілген.",
                           "en": "The route by road is drawn on the map."},
    "beyond.straight_line": {
        "ru": "Дорожной сети в регионе нет: время — оценка по прямой, маршрут не строится.",
        "kk": "Аймақта жол желісі жоқ: уақыт — түзу сызық бойынша бағалау, бағыт салынбайды.",
        "en": "The region has no road network: the time is a straight-line estimate, and no route is drawn.",
    },
    "beyond.layer_route": {"ru": "Маршрут до службы", "kk": "Қызметке дейінгі бағыт", "en": "Route to the service"},
    "beyond.route_tooltip": {"ru": "{name} → {service}: {minutes} мин", "kk": "{name} → {service}: {minutes} мин",
                             "en": "{name} → {service}: {minutes} min"},
}
