"""Populations the akimat holds (ru, kk, en): the problems and report of a population upload
(planning/population.py), the Upload page's population section, and the note beside every population-weighted
figure saying how many settlements have no known population."""


def _problem(key: str, message: tuple[str, str, str], fix: tuple[str, str, str]) -> dict:
    return {f"problem.{key}": dict(zip(("ru", "kk", "en"), message)),
            f"problem.{key}.fix": dict(zip(("ru", "kk", "en"), fix))}


_AMBIGUOUS = ("«{value}» подходит к {count} населённым пунктам ({candidates}); ни один не выбран.",
              "«{value}» {count} елді мекенге сәйкес келеді ({candidates}); ешқайсысы таңдалмады.",
              "«{value}» fits {count} settlements ({candidates}); none was chosen.")
_GIVE_CODE = ("укажите код КАТО этого населённого пункта.", "осы елді мекеннің КАТО кодын көрсетіңіз.",
              "give the village's KATO code.")

MESSAGES: dict[str, dict[str, str]] = {
    # --- problems of the file (any error: nothing changes) ------------------------------------------------------
    **_problem("pop_wrong_type", ("это не таблица CSV или XLSX (получено «{suffix}»).",
                                  "бұл CSV немесе XLSX кестесі емес (алынғаны «{suffix}»).",
                                  "is not a CSV or XLSX table (got '{suffix}')."),
               ("сохраните статистическую таблицу как .xlsx или .csv.",
                "статистикалық кестені .xlsx немесе .csv ретінде сақтаңыз.",
                "save the statistics table as .xlsx or .csv.")),
    **_problem("pop_no_column", ("нужен столбец численности населения ({expected}); есть столбцы: {columns}.",
                                 "халық саны бағаны қажет ({expected}); бар бағандар: {columns}.",
                                 "needs a population column ({expected}); got columns: {columns}."),
               ("назовите столбец с числом жителей «население» (или «population»).",
                "тұрғындар саны бағанын «халық саны» (немесе «population») деп атаңыз.",
                "name the column of people 'население' (or 'population').")),
    **_problem("pop_no_key_column",
               ("нужен столбец кода КАТО или названия населённого пункта ({expected}); есть столбцы: {columns}.",
                "КАТО коды немесе елді мекен атауы бағаны қажет ({expected}); бар бағандар: {columns}.",
                "needs a KATO code column or a settlement name column ({expected}); got columns: {columns}."),
               ("добавьте коды КАТО или названия населённых пунктов.", "елді мекендердің КАТО кодтарын немесе "
                "атауларын қосыңыз.", "add the KATO codes or the names of the villages.")),
    **_problem("pop_empty", ("численность населения не указана.", "халық саны көрсетілмеген.", "population is empty."),
               ("укажите численность или удалите строку.", "халық санын көрсетіңіз немесе жолды жойыңыз.",
                "fill in the population or delete the row.")),
    **_problem("pop_not_number", ("численность населения — не число.", "халық саны сан емес.",
                                  "population is not a number."),
               ("укажите число жителей, например 12 345.", "тұрғындар санын жазыңыз, мысалы 12 345.",
                "write the number of people, e.g. 12 345.")),
    **_problem("pop_negative", ("численность населения отрицательна.", "халық саны теріс.",
                                "population is negative."),
               ("укажите число жителей (0 или больше).", "тұрғындар санын жазыңыз (0 немесе одан көп).",
                "write the number of people (0 or more).")),
    **_problem("pop_not_whole", ("численность населения — не целое число жителей.",
                                 "халық саны — тұрғындардың бүтін саны емес.",
                                 "population is not a whole number of people."),
               ("укажите людей, а не тысячи, без дробной части (12 345, а не 12,3).",
                "мыңды емес, адамды бөлшексіз жазыңыз (12,3 емес, 12 345).",
                "write people, not thousands, without a fraction (12 345, not 12,3).")),
    **_problem("pop_bad_kato", ("код КАТО состоит из {digits} цифр (например, 611010000).",
                                "КАТО коды {digits} цифрдан тұрады (мысалы, 611010000).",
                                "a KATO code has {digits} digits (e.g. 611010000)."),
               ("исправьте код или оставьте его пустым и укажите название.",
                "кодты түзетіңіз немесе оны бос қалдырып, атауын көрсетіңіз.",
                "correct the code, or leave it empty and give the name.")),
    **_problem("pop_no_key", ("в строке нет ни кода КАТО, ни названия.", "жолда КАТО коды да, атауы да жоқ.",
                              "this row has neither a KATO code nor a name."),
               ("укажите код КАТО или название населённого пункта либо удалите строку.",
                "елді мекеннің КАТО кодын немесе атауын көрсетіңіз не жолды жойыңыз.",
                "give the village's KATO code or its name, or delete the row.")),
    **_problem("pop_nothing_matched",
               ("ни одна строка не сопоставлена с населённым пунктом этого региона; ничего не изменено.",
                "бірде-бір жол осы аймақтың елді мекенімен сәйкестендірілмеді; ештеңе өзгертілмеді.",
                "no row matched a settlement of this region; nothing changed."),
               ("проверьте, что таблица относится к этому региону и что названия или коды КАТО — это его "
                "населённые пункты.",
                "кесте осы аймаққа жататынын және атаулар мен КАТО кодтары оның елді мекендері екенін тексеріңіз.",
                "check that the table belongs to this region and that its names or KATO codes are those of its "
                "villages.")),
    # --- the report: rows that were not matched (the others are stored) -----------------------------------------
    **_problem("pop_unmatched_kato", ("ни у одного населённого пункта этого региона нет кода КАТО {code}.",
                                      "бұл аймақта КАТО коды {code} болатын елді мекен жоқ.",
                                      "no settlement of this region has KATO code {code}."),
               ("проверьте код; населённый пункт, которого нет на карте, не получает численности.",
                "кодты тексеріңіз; картада жоқ елді мекенге халық саны берілмейді.",
                "check the code; a village missing from the map gets no population.")),
    **_problem("pop_code_without_codes",
               ("код КАТО {code} не сопоставить: у населённых пунктов региона нет кодов КАТО, а в строке нет "
                "названия.",
                "КАТО коды {code} сәйкестендірілмейді: аймақ елді мекендерінде КАТО кодтары жоқ, ал жолда атау жоқ.",
                "KATO code {code} cannot be matched: the region's settlements carry no KATO codes, and this row has "
                "no name."),
               ("добавьте в строку название населённого пункта.", "жолға елді мекен атауын қосыңыз.",
                "add the village's name to the row.")),
    **_problem("pop_matched_by_name",
               ("у населённых пунктов региона нет кодов КАТО: строки сопоставлены по названию.",
                "аймақ елді мекендерінде КАТО кодтары жоқ: жолдар атауы бойынша сәйкестендірілді.",
                "the region's settlements carry no KATO codes: rows were matched by name."),
               ("ничего делать не нужно, если названия верны.", "атаулар дұрыс болса, ештеңе істеудің қажеті жоқ.",
                "nothing to do if the names are right.")),
    **_problem("pop_unknown_district", ("«{district}» — не район этого региона.", "«{district}» — бұл аймақтың "
                                        "ауданы емес.", "«{district}» is not a district of this region."),
               ("напишите район так, как он назван в регионе (или его код), либо оставьте пустым.",
                "ауданды аймақтағыдай (немесе оның кодын) жазыңыз не бос қалдырыңыз.",
                "write the district as the region names it (or its id), or leave it empty.")),
    **_problem("pop_other_district",
               ("в районе {district} нет населённого пункта «{name}»; населённый пункт с таким названием есть в "
                "{others}.",
                "{district} ауданында «{name}» елді мекені жоқ; осындай атаулы елді мекен {others} ішінде бар.",
                "no settlement «{name}» in district {district}; a settlement of that name is in {others}."),
               ("проверьте район в этой строке.", "осы жолдағы ауданды тексеріңіз.", "check the district of the row.")),
    **_problem("pop_ambiguous", _AMBIGUOUS,
               ("добавьте столбец района (или код КАТО населённого пункта), чтобы строка называла один пункт.",
                "жол бір елді мекенді атауы үшін аудан бағанын (немесе КАТО кодын) қосыңыз.",
                "add a district column (or the village's KATO code) so the row names one village.")),
    **_problem("pop_ambiguous_in_district", _AMBIGUOUS, _GIVE_CODE),
    **_problem("pop_ambiguous_no_district", _AMBIGUOUS,
               ("укажите район в этой строке (или код КАТО населённого пункта).",
                "осы жолда ауданды (немесе елді мекеннің КАТО кодын) көрсетіңіз.",
                "fill in the district of this row (or give the village's KATO code).")),
    **_problem("pop_ambiguous_code", _AMBIGUOUS, _GIVE_CODE),
    **_problem("pop_unmatched_name", ("ни один населённый пункт этого региона не называется «{name}».",
                                      "бұл аймақта «{name}» деп аталатын елді мекен жоқ.",
                                      "no settlement of this region is named «{name}»."),
               ("сверьте написание с названиями населённых пунктов региона или укажите код КАТО.",
                "жазылуын аймақтың елді мекен атауларымен салыстырыңыз немесе КАТО кодын көрсетіңіз.",
                "check the spelling against the settlement names of the region, or give the KATO code.")),
    **_problem("pop_duplicate", ("эти строки дают один и тот же населённый пункт ({settlement}); ни одна не "
                                 "использована.",
                                 "бұл жолдар бір елді мекенді береді ({settlement}); ешқайсысы пайдаланылмады.",
                                 "these rows give the same settlement ({settlement}); none of them was used."),
               ("оставьте одну строку на населённый пункт.", "әр елді мекенге бір жол қалдырыңыз.",
                "keep one row per village.")),
    # --- the Upload page ----------------------------------------------------------------------------------------
    "population_upload.title": {"ru": "Численность населения от акимата", "kk": "Әкімдіктің халық саны деректері",
                                "en": "Populations from the akimat"},
    "population_upload.intro": {
        "ru": "Таблица статистики (XLSX или CSV; UTF-8 или Windows-1251; разделители «,», «;» или табуляция): "
              "код КАТО и/или название населённого пункта, по желанию район, и численность. Строки сопоставляются по "
              "коду КАТО, иначе по названию в районе, иначе по названию. Неоднозначные строки не угадываются. Файл "
              "с ошибочной строкой ничего не меняет; принятый файл заменяет ранее загруженную численность региона.",
        "kk": "Статистика кестесі (XLSX немесе CSV; UTF-8 немесе Windows-1251; бөлгіштер «,», «;» немесе табуляция): "
              "елді мекеннің КАТО коды және/немесе атауы, қаласаңыз ауданы, және халық саны. Жолдар КАТО коды "
              "бойынша, болмаса аудандағы атауы бойынша, болмаса атауы бойынша сәйкестендіріледі. Екіұшты жолдар "
              "болжанбайды. Қате жолы бар файл ештеңені өзгертпейді; қабылданған файл аймақтың бұрын жүктелген "
              "халық санын ауыстырады.",
        "en": "A statistics table (XLSX or CSV; UTF-8 or Windows-1251; separated by ',', ';' or tabs): the "
              "village's KATO code and/or name, optionally its district, and its population. Rows are matched by "
              "KATO code, else by name within the district, else by name. Ambiguous rows are never guessed. A file "
              "with a bad row changes nothing; an accepted file replaces the region's uploaded populations."},
    "population_upload.file": {"ru": "Таблица численности (XLSX или CSV)", "kk": "Халық саны кестесі (XLSX немесе CSV)",
                               "en": "Population table (XLSX or CSV)"},
    "population_upload.submit": {"ru": "Загрузить численность", "kk": "Халық санын жүктеу",
                                 "en": "Upload populations"},
    "population_upload.accepted": {
        "ru": "Численность сохранена для {matched} н. п.; неоднозначных строк: {ambiguous}, не сопоставлено: "
              "{unmatched}.",
        "kk": "Халық саны {matched} елді мекенге сақталды; екіұшты жолдар: {ambiguous}, сәйкестендірілмегені: "
              "{unmatched}.",
        "en": "Populations stored for {matched} settlements; ambiguous rows: {ambiguous}, unmatched: {unmatched}."},
    "population_upload.rejected": {
        "ru": "Файл отклонён, сохранённая численность не изменена. Исправьте перечисленное и загрузите снова.",
        "kk": "Файл қабылданбады, сақталған халық саны өзгертілмеді. Тізімдегіні түзетіп, қайта жүктеңіз.",
        "en": "The file was refused; the stored populations are unchanged. Fix what is listed and upload again."},
    "population_upload.report": {"ru": "Отчёт по строкам", "kk": "Жолдар бойынша есеп", "en": "Report by row"},
    "population_upload.stored": {
        "ru": "Сейчас загружена численность {matched} н. п. (загружено {at} UTC); у {unknown} из {total} н. п. "
              "численность неизвестна.",
        "kk": "Қазір {matched} елді мекеннің халық саны жүктелген ({at} UTC); {total} елді мекеннің {unknown} "
              "халқы белгісіз.",
        "en": "Populations of {matched} settlements are uploaded ({at} UTC); {unknown} of {total} settlements "
              "have no known population."},
    "population_upload.none_stored": {
        "ru": "Численность ещё не загружалась: используется файл региона; у {unknown} из {total} н. п. "
              "численность неизвестна.",
        "kk": "Халық саны әлі жүктелмеген: аймақ файлы қолданылады; {total} елді мекеннің {unknown} халқы белгісіз.",
        "en": "No populations uploaded yet: the region's file is used; {unknown} of {total} settlements have no "
              "known population."},
    "population_upload.col_line": {"ru": "Строка", "kk": "Жол", "en": "Line"},
    "population_upload.col_status": {"ru": "Результат", "kk": "Нәтиже", "en": "Result"},
    "population_upload.col_settlement": {"ru": "Населённый пункт", "kk": "Елді мекен", "en": "Settlement"},
    "population_upload.col_by": {"ru": "Сопоставлено по", "kk": "Сәйкестендіру", "en": "Matched by"},
    "population_upload.status.matched": {"ru": "сопоставлено", "kk": "сәйкестендірілді", "en": "matched"},
    "population_upload.status.ambiguous": {"ru": "неоднозначно", "kk": "екіұшты", "en": "ambiguous"},
    "population_upload.status.unmatched": {"ru": "не найдено", "kk": "табылмады", "en": "unmatched"},
    "population_upload.by.kato": {"ru": "коду КАТО", "kk": "КАТО коды", "en": "KATO code"},
    "population_upload.by.name_in_district": {"ru": "названию в районе", "kk": "аудандағы атауы",
                                              "en": "name in district"},
    "population_upload.by.name": {"ru": "названию", "kk": "атауы", "en": "name"},
    # --- beside every population-weighted figure ----------------------------------------------------------------
    "population.unknown_note": {
        "ru": "у {unknown} из {total} н. п. численность неизвестна (из них дальше {minutes} мин: {beyond})",
        "kk": "{total} елді мекеннің {unknown} халқы белгісіз (оның ішінде {minutes} минуттан алыс: {beyond})",
        "en": "{unknown} of {total} settlements have no known population ({beyond} of them beyond {minutes} min)"},
    "population.share_within": {"ru": "{share} % известного населения в пределах {minutes} мин",
                                "kk": "белгілі халықтың {share} % {minutes} мин ішінде",
                                "en": "{share}% of the known population within {minutes} min"},
    "population.none_known": {"ru": "население в пределах {minutes} мин неизвестно",
                              "kk": "{minutes} мин ішіндегі халық саны белгісіз",
                              "en": "population within {minutes} min unknown"},
    "population.col_unknown": {"ru": "Н. п. без численности", "kk": "Халқы белгісіз елді мекендер",
                               "en": "Settlements without population"},
    "population.col_source": {"ru": "Источник численности", "kk": "Халық саны көзі", "en": "Population source"},
    "population.source.upload": {"ru": "загружено (акимат)", "kk": "жүктелген (әкімдік)", "en": "uploaded (akimat)"},
    "population.source.file": {"ru": "файл региона", "kk": "аймақ файлы", "en": "region file"},
    "population.source.unknown": {"ru": "неизвестно", "kk": "белгісіз", "en": "unknown"},
}
