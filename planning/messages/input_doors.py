"""Bad input at every door: column aliases, projected outlines, non-finite coordinates, region.json types, caps,
region folders outside the configured roots, and a database that cannot be written.

``problem.<key>`` / ``problem.<key>.fix`` as in planning/messages/problems.py (the English text equals the
``message``/``fix`` of the Problem); ``storage.*`` and ``roots.*`` are plain messages."""


def _problem(key: str, message: tuple[str, str, str], fix: tuple[str, str, str]) -> dict:
    return {f"problem.{key}": dict(zip(("ru", "kk", "en"), message)),
            f"problem.{key}.fix": dict(zip(("ru", "kk", "en"), fix))}


_REPROJECT_FIX = ("перепроецируйте контуры {what_ru} в EPSG:4326 (QGIS: Экспорт ▸ Сохранить объекты как, СК "
                  "EPSG:4326) или запишите СК в файл.",
                  "{what_kk} контурларын EPSG:4326 жүйесіне қайта проекциялаңыз (QGIS: Экспорт ▸ Нысандарды "
                  "басқаша сақтау, СК EPSG:4326) немесе СК-ны файлға жазыңыз.",
                  "reproject the {what_en} outlines to EPSG:4326 (QGIS: Export ▸ Save Features As, CRS EPSG:4326), "
                  "or write the CRS into the file.")
_REPROJECT_UNKNOWN_FIX = ("перепроецируйте контуры {what_ru} в EPSG:4326 (QGIS: Экспорт ▸ Сохранить объекты как).",
                          "{what_kk} контурларын EPSG:4326 жүйесіне қайта проекциялаңыз (QGIS: Экспорт ▸ Нысандарды "
                          "басқаша сақтау).",
                          "reproject the {what_en} outlines to EPSG:4326 (QGIS: Export ▸ Save Features As).")
_PROJECTED = ("координаты не в градусах: похоже на метры проекции ({crs}?), но файл не указывает СК, и они были "
              "прочитаны как градусы.",
              "координаттар градуспен емес: проекция метрлеріне ұқсайды ({crs}?), бірақ файлда СК көрсетілмеген, "
              "сондықтан олар градус ретінде оқылды.",
              "coordinates are not degrees: they look like projected metres ({crs}?), but the file declares no CRS, "
              "so they were read as degrees.")
_PROJECTED_UNKNOWN = ("координаты не в градусах (похоже на метры неизвестной проекции), и файл не указывает СК.",
                      "координаттар градуспен емес (белгісіз проекцияның метрлеріне ұқсайды), ал файлда СК "
                      "көрсетілмеген.",
                      "coordinates are not degrees (they look like projected metres of an unknown CRS), and the "
                      "file declares no CRS.")
_WHAT = {"boundary": ("границы", "шекара", "boundary"), "district": ("районов", "аудан", "district")}


def _fill(texts: tuple[str, str, str], what: str) -> tuple[str, str, str]:
    ru, kk, en = _WHAT[what]
    return tuple(text.replace("{what_ru}", ru).replace("{what_kk}", kk).replace("{what_en}", en) for text in texts)


MESSAGES = {
    # column aliases (geo.schema.COLUMN_ALIASES)
    **_problem("columns_read_as",
               ("столбцы прочитаны как: {mapping}.", "бағандар былай оқылды: {mapping}.",
                "columns read as: {mapping}."),
               ("ничего делать не нужно, если это верно; иначе переименуйте столбцы.",
                "бұл дұрыс болса, ештеңе істеудің қажеті жоқ; әйтпесе бағандардың атын өзгертіңіз.",
                "nothing to do if this is right; otherwise rename the columns.")),
    **_problem("columns_ambiguous",
               ("столбцы {columns} можно прочитать как «{field}»; оставьте один.",
                "{columns} бағандарын «{field}» ретінде оқуға болады; біреуін қалдырыңыз.",
                "columns {columns} can all be read as '{field}'; keep one."),
               ("удалите или переименуйте остальные столбцы.", "қалған бағандарды жойыңыз немесе атын өзгертіңіз.",
                "delete or rename the other columns.")),
    # coordinates
    **_problem("coordinates_not_finite",
               ("координаты, которые не являются конечными числами (NaN или бесконечность).",
                "шектеулі сан емес координаттар (NaN немесе шексіздік).",
                "coordinates that are not finite numbers (NaN or infinity)."),
               ("укажите десятичные градусы, например 42,3.", "ондық градустарды жазыңыз, мысалы 42,3.",
                "fill in decimal degrees, e.g. 42.3.")),
    **_problem("outline_not_finite",
               ("координаты контуров, которые не являются конечными числами (NaN или бесконечность).",
                "шектеулі сан емес контур координаттары (NaN немесе шексіздік).",
                "outline coordinates that are not finite numbers (NaN or infinity)."),
               ("выгрузите слой заново; у каждой вершины должны быть долгота и широта в градусах.",
                "қабатты қайта экспорттаңыз; әр төбенің градуспен бойлығы мен ендігі болуы керек.",
                "export the layer again; every vertex needs a longitude and latitude in degrees.")),
    **_problem("outline_projected_boundary", _PROJECTED, _fill(_REPROJECT_FIX, "boundary")),
    **_problem("outline_projected_district", _PROJECTED, _fill(_REPROJECT_FIX, "district")),
    **_problem("outline_projected_unknown_boundary", _PROJECTED_UNKNOWN, _fill(_REPROJECT_UNKNOWN_FIX, "boundary")),
    **_problem("outline_projected_unknown_district", _PROJECTED_UNKNOWN, _fill(_REPROJECT_UNKNOWN_FIX, "district")),
    **_problem("points_outside_named",
               ("точки лежат за контуром региона: {points}.", "нүктелер аймақ контурынан тыс жатыр: {points}.",
                "points lie outside the region outline: {points}."),
               ("проверьте эти координаты или используйте папку региона, к которому они относятся.",
                "осы координаттарды тексеріңіз немесе олар жататын аймақтың қалтасын пайдаланыңыз.",
                "check those coordinates, or use the region folder they belong to.")),
    # region.json
    **_problem("meta_wrong_type",
               ("«{field}» должно быть JSON-типа {expected}; получено: {got}.",
                "«{field}» JSON {expected} түрінде болуы керек; алынғаны: {got}.",
                "'{field}' must be a JSON {expected}; got {got}."),
               ("смотрите пример region.json в DESIGN.md.", "DESIGN.md ішіндегі region.json үлгісін қараңыз.",
                "see the example region.json in DESIGN.md.")),
    # caps
    **_problem("sheet_over_row_cap",
               ("на первом листе больше {limit} строк; принимается не более {limit}.",
                "бірінші парақта {limit} жолдан көп; ең көбі {limit} қабылданады.",
                "the first sheet has more than {limit} rows; at most {limit} are accepted."),
               ("агрегируйте данные или разделите файл.", "деректерді біріктіріңіз немесе файлды бөліңіз.",
                "aggregate the data or split the file.")),
    **_problem("scenario_too_many_sites",
               ("в файле {rows} мест; в сценарии может быть не более {limit}.",
                "файлда {rows} орын; сценарийде ең көбі {limit} болуы мүмкін.",
                "the file has {rows} sites; a scenario may have at most {limit}."),
               ("разделите сценарий на несколько или оставьте только нужные места.",
                "сценарийді бірнешеге бөліңіз немесе тек қажетті орындарды қалдырыңыз.",
                "split the scenario into several, or keep only the sites you need.")),
    # region folders a planner may open (QORGAU_REGION_ROOTS)
    **_problem("folder_outside_roots",
               ("папка находится вне разрешённых папок регионов ({roots}).",
                "қалта рұқсат етілген аймақ қалталарынан тыс ({roots}).",
                "this folder is outside the allowed region folders ({roots})."),
               ("выберите папку региона внутри них или попросите администратора добавить папку в QORGAU_REGION_ROOTS.",
                "солардың ішіндегі аймақ қалтасын таңдаңыз немесе әкімшіден қалтаны QORGAU_REGION_ROOTS-қа қосуды "
                "сұраңыз.",
                "choose a region folder inside them, or ask the administrator to add the folder to "
                "QORGAU_REGION_ROOTS.")),
    **_problem("region_file_outside_roots",
               ("файл ссылается за пределы разрешённых папок регионов.",
                "файл рұқсат етілген аймақ қалталарынан тыс жерге сілтейді.",
                "the file links outside the allowed region folders."),
               ("замените ссылку копией файла внутри папки региона.",
                "сілтемені аймақ қалтасының ішіндегі файл көшірмесімен ауыстырыңыз.",
                "replace the link with a copy of the file inside the region folder.")),
    **_problem("not_region_folder",
               ("это не папка региона (в ней нет читаемого region.json).",
                "бұл аймақ қалтасы емес (онда оқылатын region.json жоқ).",
                "is not a region folder (it has no readable region.json)."),
               ("укажите папку с region.json и boundary.geojson (DESIGN.md).",
                "region.json және boundary.geojson бар қалтаны көрсетіңіз (DESIGN.md).",
                "give a folder holding region.json and boundary.geojson (DESIGN.md).")),
    # the database cannot be written (planning.db.StorageError)
    "storage.readonly": {
        "ru": "База данных открыта только для чтения: изменение не сохранено, сохранённые данные не тронуты. "
              "Попросите администратора дать службе право записи в {path}.",
        "kk": "Дерекқор тек оқу үшін ашық: өзгеріс сақталмады, сақталған деректер өзгерген жоқ. Әкімшіден қызметке "
              "{path} файлына жазу құқығын беруді сұраңыз.",
        "en": "The database is read-only: the change was not saved, and the stored data are untouched. Ask the "
              "administrator to give the service write access to {path}.",
    },
    "storage.full": {
        "ru": "Диск с базой данных заполнен: изменение не сохранено, сохранённые данные не тронуты. Попросите "
              "администратора освободить место для {path}.",
        "kk": "Дерекқор дискісі толы: өзгеріс сақталмады, сақталған деректер өзгерген жоқ. Әкімшіден {path} үшін "
              "орын босатуды сұраңыз.",
        "en": "The disk holding the database is full: the change was not saved, and the stored data are untouched. "
              "Ask the administrator to free space for {path}.",
    },
    "storage.unavailable": {
        "ru": "Базу данных нельзя открыть: изменение не сохранено. Попросите администратора проверить {path}.",
        "kk": "Дерекқорды ашу мүмкін емес: өзгеріс сақталмады. Әкімшіден {path} файлын тексеруді сұраңыз.",
        "en": "The database cannot be opened: the change was not saved. Ask the administrator to check {path}.",
    },
}
