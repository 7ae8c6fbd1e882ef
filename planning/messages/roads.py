"""Messages of the travel-time map (bands, minutes, method) and of the Roads page (ru, kk, en)."""

MESSAGES: dict[str, dict[str, str]] = {
    # --- map: travel times ---------------------------------------------------------------------------------------
    "map.layer.bands": {"ru": "Зоны доступности (мин)", "kk": "Қолжетімділік аймақтары (мин)",
                        "en": "Travel-time bands (min)"},
    "map.band": {"ru": "до {minutes} мин до службы", "kk": "қызметке дейін {minutes} мин-қа дейін",
                 "en": "within {minutes} min of a service"},
    "map.field.minutes": {"ru": "До ближайшей службы", "kk": "Ең жақын қызметке дейін",
                          "en": "To the nearest service"},
    "map.minutes_value": {"ru": "{minutes} мин", "kk": "{minutes} мин", "en": "{minutes} min"},
    "map.not_reachable": {"ru": "недоступно", "kk": "жету мүмкін емес", "en": "not reachable"},
    "map.legend.within": {"ru": "село: до {minutes} мин", "kk": "ауыл: {minutes} мин-қа дейін",
                          "en": "settlement: up to {minutes} min"},
    "map.legend.between": {"ru": "село: {low}–{high} мин", "kk": "ауыл: {low}–{high} мин",
                           "en": "settlement: {low}–{high} min"},
    "map.legend.beyond": {"ru": "село: больше {minutes} мин", "kk": "ауыл: {minutes} мин-тан артық",
                          "en": "settlement: more than {minutes} min"},
    "map.method": {"ru": "Время в пути: {method}. {description}", "kk": "Жол уақыты: {method}. {description}",
                   "en": "Travel times: {method}. {description}"},
    "map.method.network": {"ru": "по дорожной сети (network)", "kk": "жол желісі бойынша (network)",
                           "en": "over the road network (network)"},
    "map.method.estimate": {"ru": "оценка по прямой (estimate)", "kk": "түзу сызық бойынша бағалау (estimate)",
                            "en": "straight-line estimate (estimate)"},
    "map.period": {"ru": "Период обращений", "kk": "Өтініштер кезеңі", "en": "Incident period"},
    "map.period.all": {"ru": "Все периоды", "kk": "Барлық кезеңдер", "en": "All periods"},
    "map.services_shown": {"ru": "Службы на карте: {n}", "kk": "Картадағы қызметтер: {n}",
                           "en": "Services on the map: {n}"},
    "map.no_services": {"ru": "В сценарии нет служб: зон доступности нет, все сёла недоступны.",
                        "kk": "Сценарийде қызмет жоқ: қолжетімділік аймақтары жоқ, барлық ауылдарға жету мүмкін емес.",
                        "en": "The scenario has no services: there are no bands and no settlement is reachable."},
    # --- roads page ------------------------------------------------------------------------------------------------
    "nav.roads": {"ru": "Дороги", "kk": "Жолдар", "en": "Roads"},
    "roadpage.status": {"ru": "Состояние дорожной сети", "kk": "Жол желісінің күйі", "en": "Road network status"},
    "roadpage.source": {"ru": "Файл дорог", "kk": "Жолдар файлы", "en": "Road file"},
    "roadpage.no_source": {
        "ru": "В папке региона нет файла дорог: время в пути — оценка по прямой.",
        "kk": "Аймақ қалтасында жолдар файлы жоқ: жол уақыты түзу сызық бойынша бағаланады.",
        "en": "The region folder has no road file: travel times are the straight-line estimate.",
    },
    "roadpage.nodes": {"ru": "Узлы", "kk": "Түйіндер", "en": "Nodes"},
    "roadpage.edges": {"ru": "Рёбра", "kk": "Қабырғалар", "en": "Edges"},
    "roadpage.profile": {"ru": "Профиль скоростей", "kk": "Жылдамдық профилі", "en": "Speed profile"},
    "roadpage.cache": {"ru": "Кэш сетей на диске: {n} файл(ов), {size} МБ",
                       "kk": "Дискідегі желілер кэші: {n} файл, {size} МБ",
                       "en": "Network cache on disk: {n} file(s), {size} MB"},
    "roadpage.folder": {"ru": "Папка региона: {path}", "kk": "Аймақ қалтасы: {path}", "en": "Region folder: {path}"},
    "roadpage.adjustments": {"ru": "Поправки скоростей", "kk": "Жылдамдық түзетулері", "en": "Speed adjustments"},
    "roadpage.adjustments_help": {
        "ru": "Поправки действуют в этом сеансе и указываются с каждым результатом; сеть для нового профиля "
              "строится один раз и сохраняется в кэше.",
        "kk": "Түзетулер осы сеанста әрекет етеді және әр нәтижемен көрсетіледі; жаңа профильге арналған желі бір "
              "рет құрылып, кэште сақталады.",
        "en": "Adjustments apply to this session and are stated with every result; the network for a new profile "
              "is built once and kept in the cache.",
    },
    "adjustment.winter": {"ru": "зима: грунтовые ×0,7, третьестепенные ×0,8, колеи ×0,7",
                          "kk": "қыс: топырақ жолдар ×0,7, үшінші дәрежелі ×0,8, дала жолдары ×0,7",
                          "en": "winter: unpaved ×0.7, tertiary/unclassified ×0.8, tracks ×0.7"},
    "adjustment.spring_mud": {"ru": "весенняя распутица: грунтовые ×0,5",
                              "kk": "көктемгі батпақ: топырақ жолдар ×0,5",
                              "en": "spring mud: unpaved ×0.5"},
    "roadpage.import": {"ru": "Импорт файла OpenStreetMap с сервера", "kk": "Серверден OpenStreetMap файлын импорттау",
                        "en": "Import an OpenStreetMap file from the server"},
    "roadpage.import_help": {
        "ru": "Укажите путь к файлу .osm или .osm.pbf на этом сервере (например, выгрузка Geofabrik по Казахстану). "
              "Большие файлы .pbf (сотни МБ) не проходят через загрузку в браузере (предел 25 МБ): положите файл на "
              "сервер и укажите путь. Файл будет связан или скопирован в папку региона и сеть будет построена.",
        "kk": "Осы сервердегі .osm немесе .osm.pbf файлының жолын көрсетіңіз (мысалы, Қазақстан бойынша Geofabrik "
              "үзіндісі). Үлкен .pbf файлдары (жүздеген МБ) браузер арқылы жүктеуден өтпейді (шегі 25 МБ): файлды "
              "серверге қойып, жолын көрсетіңіз. Файл аймақ қалтасына байланыстырылады немесе көшіріледі, желі құрылады.",
        "en": "Give the path of an .osm or .osm.pbf file on this server (for example a Geofabrik extract of "
              "Kazakhstan). Big .pbf files (hundreds of MB) cannot go through a browser upload (limit 25 MB): put "
              "the file on the server and give its path. It is linked or copied into the region folder and the "
              "network is built.",
    },
    "roadpage.path": {"ru": "Путь к файлу на сервере", "kk": "Сервердегі файл жолы", "en": "Path of the file on the server"},
    "roadpage.import_button": {"ru": "Импортировать и построить сеть", "kk": "Импорттау және желіні құру",
                               "en": "Import and build the network"},
    "roadpage.imported": {"ru": "Сеть построена из {file}: {nodes} узлов, {edges} рёбер.",
                          "kk": "Желі {file} файлынан құрылды: {nodes} түйін, {edges} қабырға.",
                          "en": "Network built from {file}: {nodes} nodes, {edges} edges."},
    "roadpage.download": {"ru": "Скачать из OpenStreetMap", "kk": "OpenStreetMap-тен жүктеп алу",
                          "en": "Download from OpenStreetMap"},
    "roadpage.download_help": {
        "ru": "Скачивает дороги по границе региона через Overpass (OSMnx), а также границы районов и населённые "
              "пункты, если их нет в папке. Нужен интернет; для всей области это может занять долгое время.",
        "kk": "Аймақ шекарасы бойынша жолдарды Overpass (OSMnx) арқылы жүктейді, қалтада жоқ болса аудан шекаралары "
              "мен елді мекендерді де. Интернет қажет; бүкіл облыс үшін ұзақ уақыт алуы мүмкін.",
        "en": "Downloads the roads inside the region outline through Overpass (OSMnx), and the district outlines "
              "and settlements when the folder lacks them. Needs the internet; for the whole region it can take long.",
    },
    "roadpage.download_button": {"ru": "Скачать дороги", "kk": "Жолдарды жүктеу", "en": "Download roads"},
    "roadpage.downloaded": {"ru": "Скачано и сохранено: {files}.", "kk": "Жүктелді және сақталды: {files}.",
                            "en": "Downloaded and saved: {files}."},
    "roadpage.no_internet": {
        "ru": "Не удалось скачать из OpenStreetMap (нет интернета или сервер занят). Что сделать: подключите сервер "
              "к интернету и повторите, или скачайте выгрузку .osm.pbf на другом компьютере, положите её на сервер "
              "и импортируйте по пути выше.",
        "kk": "OpenStreetMap-тен жүктеу мүмкін болмады (интернет жоқ немесе сервер бос емес). Не істеу керек: "
              "серверді интернетке қосып, қайталаңыз немесе .osm.pbf үзіндісін басқа компьютерде жүктеп, серверге "
              "қойып, жоғарыдағы жол арқылы импорттаңыз.",
        "en": "The OpenStreetMap download failed (no internet, or the server is busy). Fix: connect this server to "
              "the internet and retry, or download an .osm.pbf extract on another computer, put it on the server "
              "and import it by path above.",
    },
    "roadpage.read_only_role": {
        "ru": "Ваша роль может только просматривать состояние сети; импорт и скачивание доступны планировщикам.",
        "kk": "Сіздің рөліңіз желі күйін тек көре алады; импорт пен жүктеу жоспарлаушыларға қолжетімді.",
        "en": "Your role may only view the network status; import and download are for planners.",
    },
    "roadpage.bundled": {
        "ru": "Встроенный регион (data/default) изменять нельзя. Скопируйте папку региона (например, в "
              "~/qorgau/region), откройте копию на главной странице и повторите.",
        "kk": "Кіріктірілген аймақты (data/default) өзгертуге болмайды. Аймақ қалтасын көшіріңіз (мысалы, "
              "~/qorgau/region), көшірмесін басты бетте ашып, қайталаңыз.",
        "en": "The bundled region (data/default) may not be changed. Copy the region folder (for example to "
              "~/qorgau/region), open the copy on the home page and try again.",
    },
    "roadpage.read_only": {
        "ru": "Папка региона {path} доступна только для чтения. Скопируйте её в папку, куда можно писать, или "
              "дайте права на запись.",
        "kk": "{path} аймақ қалтасы тек оқуға арналған. Оны жазуға болатын қалтаға көшіріңіз немесе жазу құқығын "
              "беріңіз.",
        "en": "The region folder {path} is read-only. Copy it to a folder you can write to, or grant write access.",
    },
    "roadpage.bad_file": {
        "ru": "Файл не подходит: {reason}",
        "kk": "Файл жарамсыз: {reason}",
        "en": "The file cannot be used: {reason}",
    },
}
