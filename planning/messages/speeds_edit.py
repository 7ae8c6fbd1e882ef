"""Speeds a planner can edit (ru, kk, en): the speeds.csv problems (geo/speeds.py), where the speeds in use come
from (stated with every result) and the speeds table of the Roads page."""


def _problem(key: str, message: tuple[str, str, str], fix: tuple[str, str, str]) -> dict:
    return {f"problem.{key}": dict(zip(("ru", "kk", "en"), message)),
            f"problem.{key}.fix": dict(zip(("ru", "kk", "en"), fix))}


_CLASSES_FIX = ("оставьте по одной строке на класс.", "әр класқа бір жол қалдырыңыз.", "keep one row per class.")

MESSAGES: dict[str, dict[str, str]] = {
    # --- speeds.csv problems (geo.speeds.speed_profile_from_table) ------------------------------------------------
    **_problem("speeds_no_file", ("нет такого файла.", "мұндай файл жоқ.", "no such file."),
               ("укажите путь к CSV со скоростями со столбцами highway, speed_kmh и, при желании, use_maxspeed.",
                "highway, speed_kmh және қажет болса use_maxspeed бағандары бар жылдамдықтар CSV файлының жолын "
                "көрсетіңіз.",
                "give the path of a speeds CSV with the columns highway, speed_kmh and, optionally, use_maxspeed.")),
    **_problem("speeds_columns",
               ("нужны столбцы {missing}; есть столбцы: {got}.", "{missing} бағандары қажет; бар бағандар: {got}.",
                "needs the columns {missing}; got columns: {got}."),
               ("назовите столбцы highway, speed_kmh и, при желании, use_maxspeed.",
                "бағандарды highway, speed_kmh және қажет болса use_maxspeed деп атаңыз.",
                "name the columns highway, speed_kmh and, optionally, use_maxspeed.")),
    **_problem("speeds_unknown_columns",
               ("есть столбцы, которых в файле скоростей не бывает: {columns}.",
                "жылдамдықтар файлында болмайтын бағандар бар: {columns}.",
                "has columns a speeds file does not have: {columns}."),
               ("удалите их или переименуйте в highway, speed_kmh или use_maxspeed.",
                "оларды жойыңыз немесе highway, speed_kmh не use_maxspeed деп қайта атаңыз.",
                "remove them, or rename them to highway, speed_kmh or use_maxspeed.")),
    **_problem("speeds_class_blank",
               ("строки без класса дороги.", "жол класы жоқ жолдар.", "rows without a highway class."),
               ("впишите значение highway из OSM, например primary.",
                "OSM highway мәнін жазыңыз, мысалы primary.",
                "fill in an OSM highway value, e.g. primary.")),
    **_problem("speeds_class_unknown",
               ("неизвестные классы дорог: {classes}; известны: {known}.",
                "белгісіз жол кластары: {classes}; белгілілері: {known}.",
                "unknown highway classes: {classes}; known: {known}."),
               ("используйте одно из известных значений highway OSM (пешеходные дорожки и тропы не в сети "
                "для машин).",
                "OSM highway белгілі мәндерінің бірін қолданыңыз (жаяу жүргіншілер жолдары мен соқпақтар "
                "көлік желісіне кірмейді).",
                "use one of the known OSM highway values (footways and paths are not driven).")),
    **_problem("speeds_class_repeated",
               ("классы дорог указаны больше одного раза: {classes}.",
                "жол кластары бірнеше рет көрсетілген: {classes}.",
                "highway classes listed more than once: {classes}."),
               _CLASSES_FIX),
    **_problem("speeds_not_number",
               ("скорости пусты или не числа (классы: {classes}).",
                "жылдамдықтар бос немесе сан емес (кластар: {classes}).",
                "speeds that are empty or not numbers (classes: {classes})."),
               ("впишите скорость в км/ч числом, например 60 или 62,5.",
                "жылдамдықты км/сағ санмен жазыңыз, мысалы 60 немесе 62,5.",
                "write the speed in km/h as a number, e.g. 60 or 62.5.")),
    **_problem("speeds_not_positive",
               ("скорости ноль или меньше (классы: {classes}).",
                "жылдамдықтар нөл немесе одан аз (кластар: {classes}).",
                "speeds of zero or below (classes: {classes})."),
               ("задайте каждому классу положительную скорость в км/ч.",
                "әр класқа км/сағ оң жылдамдық беріңіз.",
                "give every class a positive speed in km/h.")),
    **_problem("speeds_absurd",
               ("скорости вне {low}–{high} км/ч (классы: {classes}).",
                "{low}–{high} км/сағ аралығынан тыс жылдамдықтар (кластар: {classes}).",
                "speeds outside {low}–{high} km/h (classes: {classes})."),
               ("задайте скорость движения от {low} до {high} км/ч (опечатка, например 600 вместо 60?).",
                "{low}-ден {high} км/сағ-қа дейінгі жылдамдық беріңіз (қате терілген бе, мысалы 60 орнына 600?).",
                "give a travel speed between {low} and {high} km/h (a typing error such as 600 for 60?).")),
    **_problem("speeds_yes_no",
               ("use_maxspeed должно быть yes или no (классы: {classes}).",
                "use_maxspeed yes немесе no болуы керек (кластар: {classes}).",
                "use_maxspeed must be yes or no (classes: {classes})."),
               ("впишите yes (теги maxspeed заменяют скорость класса) или no (действует скорость класса).",
                "yes (maxspeed тегтері класс жылдамдығын ауыстырады) немесе no (класс жылдамдығы қолданылады) "
                "деп жазыңыз.",
                "write yes (maxspeed tags replace the class speed) or no (the class speed applies).")),
    # --- the profile in use, stated with every result (planning.analysis.SiteMinutes.describe) ----------------
    "speeds.network_desc": {
        "ru": "дороги OpenStreetMap, {source}; скорости км/ч: {speeds}; грунтовые ×{unpaved}; {maxspeed}; "
              "поправки: {adjustments}",
        "kk": "OpenStreetMap жолдары, {source}; жылдамдық км/сағ: {speeds}; топырақ жолдар ×{unpaved}; {maxspeed}; "
              "түзетулер: {adjustments}",
        "en": "OpenStreetMap roads, {source}; speeds km/h: {speeds}; unpaved ×{unpaved}; {maxspeed}; "
              "adjustments: {adjustments}"},
    "speeds.source.builtin": {"ru": "встроенные скорости для Казахстана",
                              "kk": "Қазақстанға арналған кірістірілген жылдамдықтар",
                              "en": "built-in speeds for Kazakhstan"},
    "speeds.source.region": {"ru": "скорости из speeds.csv региона", "kk": "өңірдің speeds.csv файлындағы жылдамдықтар",
                             "en": "speeds from the region's speeds.csv"},
    "speeds.source.file": {"ru": "скорости из файла {name}", "kk": "{name} файлындағы жылдамдықтар",
                           "en": "speeds from the file {name}"},
    "speeds.maxspeed.used": {"ru": "ограничения maxspeed учтены", "kk": "maxspeed шектеулері ескерілген",
                             "en": "maxspeed tags used"},
    "speeds.maxspeed.ignored": {"ru": "ограничения maxspeed не учитываются", "kk": "maxspeed шектеулері ескерілмейді",
                                "en": "maxspeed tags ignored"},
    "speeds.maxspeed.partly": {"ru": "ограничения maxspeed учтены, кроме: {classes}",
                               "kk": "maxspeed шектеулері ескерілген, мыналардан басқа: {classes}",
                               "en": "maxspeed tags used except on {classes}"},
    # --- Roads page: the speeds table --------------------------------------------------------------------------
    "speeds.heading": {"ru": "Скорости по классам дорог", "kk": "Жол кластары бойынша жылдамдықтар",
                       "en": "Speeds by road class"},
    "speeds.in_use": {"ru": "Сейчас действуют: {source}.", "kk": "Қазір қолданылады: {source}.",
                      "en": "In use: {source}."},
    "speeds.column.highway": {"ru": "Класс дороги (highway)", "kk": "Жол класы (highway)",
                              "en": "Road class (highway)"},
    "speeds.column.speed_kmh": {"ru": "Скорость, км/ч", "kk": "Жылдамдық, км/сағ", "en": "Speed, km/h"},
    "speeds.column.use_maxspeed": {"ru": "Учитывать maxspeed", "kk": "maxspeed ескеру", "en": "Use maxspeed"},
    "speeds.editor_help": {
        "ru": "Типичная скорость движения (не ограничение) по каждому классу дорог OSM. «Учитывать maxspeed»: "
              "знак ограничения на дороге (тег maxspeed) заменяет скорость класса. Сохраняется в speeds.csv папки "
              "региона; сеть для новых скоростей строится один раз.",
        "kk": "OSM жолдарының әр класы бойынша әдеттегі қозғалыс жылдамдығы (шектеу емес). «maxspeed ескеру»: "
              "жолдағы шектеу белгісі (maxspeed тегі) класс жылдамдығын ауыстырады. Аймақ қалтасындағы speeds.csv "
              "файлына сақталады; жаңа жылдамдықтарға арналған желі бір рет құрылады.",
        "en": "Typical travel speed (not the limit) on each OSM road class. 'Use maxspeed': a signed limit on the "
              "road (the maxspeed tag) replaces the class speed. Saved to the region folder's speeds.csv; the "
              "network for new speeds is built once.",
    },
    "speeds.save": {"ru": "Сохранить скорости", "kk": "Жылдамдықтарды сақтау", "en": "Save speeds"},
    "speeds.reset": {"ru": "Вернуть встроенные скорости", "kk": "Кірістірілген жылдамдықтарды қайтару",
                     "en": "Restore the built-in speeds"},
    "speeds.saved": {"ru": "Скорости сохранены в {path}; время в пути считается по ним.",
                     "kk": "Жылдамдықтар {path} файлына сақталды; жол уақыты солар бойынша есептеледі.",
                     "en": "Speeds saved to {path}; travel times now use them."},
    "speeds.reset_done": {"ru": "Файл {path} удалён; действуют встроенные скорости.",
                          "kk": "{path} файлы жойылды; кірістірілген жылдамдықтар қолданылады.",
                          "en": "{path} removed; the built-in speeds are in use."},
    "speeds.invalid": {"ru": "Скорости не сохранены, ничего не изменилось:",
                       "kk": "Жылдамдықтар сақталмады, ештеңе өзгермеді:",
                       "en": "The speeds were not saved and nothing changed:"},
    "speeds.read_only_role": {
        "ru": "Скорости может менять планировщик; ваша роль может их только просматривать.",
        "kk": "Жылдамдықтарды жоспарлаушы өзгерте алады; сіздің рөліңіз оларды тек көре алады.",
        "en": "Planners may change the speeds; your role may only view them.",
    },
}
