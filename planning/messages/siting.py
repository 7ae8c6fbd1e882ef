"""Messages of the suggested-sites page (ru, kk, en)."""

MESSAGES: dict[str, dict[str, str]] = {
    "nav.suggest": {"ru": "Предложить места", "kk": "Орын ұсыну", "en": "Suggest sites"},
    "suggest.title": {"ru": "Где открыть новые службы", "kk": "Жаңа қызметтерді қайда ашу керек",
                      "en": "Where the next services should go"},
    "suggest.intro": {
        "ru": "Модели размещения подбирают места для новых служб; действующие службы выбранного сценария остаются "
              "на месте и всегда учитываются. Для каждого места показано, сколько людей и обращений оно "
              "добавляет в зону доступности, в порядке выбора.",
        "kk": "Орналастыру модельдері жаңа қызметтерге орын таңдайды; таңдалған сценарийдің қолданыстағы "
              "қызметтері орнында қалады және әрқашан есепке алынады. Әр орын үшін қолжетімділік аймағына қанша "
              "адам мен өтініш қосатыны таңдау ретімен көрсетіледі.",
        "en": "Location models choose sites for new services; the existing sites of the chosen scenario stay where "
              "they are and always count. Each site shows, in the order picked, how many people and incidents it "
              "brings within reach.",
    },
    "suggest.base": {"ru": "Исходный сценарий", "kk": "Бастапқы сценарий", "en": "Base scenario"},
    "suggest.base_current": {"ru": "Текущие службы региона", "kk": "Аймақтың қазіргі қызметтері",
                             "en": "The region's current services"},
    "suggest.base_sites": {"ru": "Действующих служб (не перемещаются): {n}",
                           "kk": "Қолданыстағы қызметтер (орны өзгермейді): {n}",
                           "en": "Existing sites (kept fixed): {n}"},
    "suggest.model": {"ru": "Модель", "kk": "Модель", "en": "Model"},
    "suggest.model.mclp": {"ru": "Максимальный охват", "kk": "Ең көп қамту", "en": "Maximal coverage"},
    "suggest.model.lscp": {"ru": "Покрытие всех сёл", "kk": "Барлық ауылды қамту", "en": "Set cover"},
    "suggest.model.pmedian": {"ru": "p-медиана", "kk": "p-медиана", "en": "p-median"},
    "suggest.model_help.mclp": {
        "ru": "Добавить K мест так, чтобы как можно больший спрос оказался в пределах T минут от службы.",
        "kk": "Сұраныстың ең көп бөлігі қызметтен T минут ішінде болатындай K орын қосу.",
        "en": "Add K sites so that as much demand as possible is within T minutes of a service.",
    },
    "suggest.model_help.lscp": {
        "ru": "Наименьшее число новых мест, при котором каждое достижимое село в пределах T минут от службы. "
              "Сёла, до которых не доехать за T минут ни от одного возможного места, перечислены ниже.",
        "kk": "Әр жетуге болатын ауыл қызметтен T минут ішінде болатын жаңа орындардың ең аз саны. Ешбір "
              "ықтимал орыннан T минутта жетуге болмайтын ауылдар төменде тізімделген.",
        "en": "The fewest new sites so that every reachable settlement is within T minutes of a service. "
              "Settlements that no possible site reaches within T minutes are listed below.",
    },
    "suggest.model_help.pmedian": {
        "ru": "Добавить K мест так, чтобы суммарное время в пути до ближайшей службы, взвешенное по спросу, "
              "было наименьшим. T здесь — только порог для показа прироста охвата.",
        "kk": "Сұраныспен өлшенген жақын қызметке дейінгі жалпы жол уақыты ең аз болатындай K орын қосу. Мұнда "
              "T тек қамту өсімін көрсету шегі.",
        "en": "Add K sites so that the demand-weighted travel time to the nearest service is smallest. T is "
              "only the threshold the gains in coverage are shown at.",
    },
    "suggest.add": {"ru": "Сколько мест добавить (K)", "kk": "Қанша орын қосу (K)", "en": "Sites to add (K)"},
    "suggest.minutes": {"ru": "Порог доступности T, минут", "kk": "Қолжетімділік шегі T, минут",
                        "en": "Threshold T, minutes"},
    "suggest.demand": {"ru": "Спрос", "kk": "Сұраныс", "en": "Demand"},
    "suggest.demand.population": {"ru": "Население", "kk": "Халық", "en": "Population"},
    "suggest.demand.incidents": {"ru": "Обращения", "kk": "Өтініштер", "en": "Reported incidents"},
    "suggest.demand.blend": {"ru": "Смешанный", "kk": "Аралас", "en": "Blend"},
    "suggest.demand_help.population": {
        "ru": "Спрос = число жителей села. Каждый житель учитывается одинаково; село с неизвестной численностью "
              "считается как 0 (их число указано ниже), поэтому по возможности сначала заполните население.",
        "kk": "Сұраныс = ауыл тұрғындарының саны. Әр тұрғын бірдей есептеледі; халқы белгісіз ауыл 0 деп "
              "есептеледі (олардың саны төменде көрсетілген), сондықтан мүмкін болса алдымен халық санын толтырыңыз.",
        "en": "Demand = people living in the settlement. Every resident counts the same; a settlement whose "
              "population is unknown counts as 0 and is reported, so fill missing populations first where you can.",
    },
    "suggest.demand_help.incidents": {
        "ru": "Спрос = зарегистрированные обращения о семейном насилии в селе, умноженные на коэффициент "
              "недоучёта, чтобы оценить все случаи. Сёла без обращений считаются как 0, поэтому выбор тяготеет "
              "к местам, откуда пострадавшие уже доходят до полиции; коэффициент меняет цифры, но не выбор мест.",
        "kk": "Сұраныс = ауылдағы отбасылық зорлық-зомбылық туралы тіркелген өтініштер, барлық жағдайды бағалау "
              "үшін есепке алынбау коэффициентіне көбейтілген. Өтініші жоқ ауылдар 0 деп есептеледі, сондықтан "
              "таңдау зардап шеккендер полицияға жететін жерлерге ауады; коэффициент сандарды өзгертеді, орындарды емес.",
        "en": "Demand = reported incidents of family violence in the settlement, multiplied by the under-reporting "
              "factor to estimate all incidents. Settlements with no reports count as 0, so this favours places "
              "where victims already reach the police; the factor changes the figures, not which sites are chosen.",
    },
    "suggest.demand_help.blend": {
        "ru": "Спрос = смесь доли села в населении региона и его доли в (оценённых) обращениях. Вес обращений "
              "(от 0 до 1) — какую часть итога они несут: 0,5 — половина от населения, половина от обращений. "
              "Цифры — доли смешанного итога, а не люди.",
        "kk": "Сұраныс = ауылдың аймақ халқындағы үлесі мен (бағаланған) өтініштердегі үлесінің қоспасы. "
              "Өтініштер салмағы (0-ден 1-ге дейін) — олар жиынның қай бөлігін құрайды: 0,5 — жартысы халықтан, "
              "жартысы өтініштерден. Сандар — адамдар емес, аралас жиынның үлестері.",
        "en": "Demand = a mix of each settlement's share of the region's population and its share of the "
              "(estimated) incidents. The incident weight (0 to 1) is how much of the total the incidents carry: "
              "0.5 means half from population, half from incidents. Figures are shares of the blended total, "
              "not people.",
    },
    "suggest.incident_weight": {"ru": "Вес обращений", "kk": "Өтініштер салмағы", "en": "Incident weight"},
    "suggest.underreporting": {
        "ru": "Коэффициент недоучёта (оценка всех случаев на одно обращение)",
        "kk": "Есепке алынбау коэффициенті (бір өтінішке шаққандағы барлық жағдай бағасы)",
        "en": "Under-reporting factor (estimated incidents per reported one)",
    },
    "suggest.candidates": {"ru": "Возможные места", "kk": "Ықтимал орындар", "en": "Candidate sites"},
    "suggest.candidates.population": {"ru": "Сёла с населением от порога", "kk": "Халқы шектен асатын ауылдар",
                                      "en": "Settlements above a population"},
    "suggest.candidates.district_centres": {"ru": "Районные центры", "kk": "Аудан орталықтары",
                                            "en": "District centres"},
    "suggest.candidates.upload": {"ru": "Свой список (CSV)", "kk": "Өз тізімі (CSV)", "en": "Your own list (CSV)"},
    "suggest.min_population": {"ru": "Население не меньше, чел.", "kk": "Халқы кемінде, адам",
                               "en": "Population at least, people"},
    "suggest.upload": {
        "ru": "Файл мест: столбцы id, name, kind, lat, lon (как services.csv)",
        "kk": "Орындар файлы: id, name, kind, lat, lon бағандары (services.csv сияқты)",
        "en": "Sites file: columns id, name, kind, lat, lon (like services.csv)",
    },
    "suggest.upload_first": {"ru": "Загрузите файл со списком мест.", "kk": "Орындар тізімі бар файлды жүктеңіз.",
                             "en": "Upload a file with the list of sites."},
    "suggest.candidate_count": {"ru": "Возможных мест: {n}", "kk": "Ықтимал орындар: {n}",
                                "en": "Candidate sites: {n}"},
    "suggest.every_district": {"ru": "Хотя бы одна служба в каждом районе",
                               "kk": "Әр ауданда кемінде бір қызмет", "en": "At least one service in every district"},
    "suggest.no_districts": {"ru": "В регионе нет границ районов: условие по районам недоступно.",
                             "kk": "Аймақта аудан шекаралары жоқ: аудан шарты қолжетімсіз.",
                             "en": "The region has no district outlines: the district option is not available."},
    "suggest.method": {"ru": "Способ решения", "kk": "Шешу тәсілі", "en": "Solver"},
    "suggest.method.greedy": {"ru": "Жадный (быстро)", "kk": "Ашкөз (жылдам)", "en": "Greedy (fast)"},
    "suggest.method.exact": {"ru": "Точный (целочисленное программирование, CBC)",
                             "kk": "Дәл (бүтін санды бағдарламалау, CBC)", "en": "Exact (integer programming, CBC)"},
    "suggest.exact_gap": {"ru": "Сравнить с точным оптимумом", "kk": "Дәл оптимуммен салыстыру",
                          "en": "Compare with the exact optimum"},
    "suggest.run": {"ru": "Подобрать места", "kk": "Орындарды таңдау", "en": "Suggest sites"},
    "suggest.stale": {"ru": "Параметры изменились: нажмите «Подобрать места», чтобы пересчитать.",
                      "kk": "Параметрлер өзгерді: қайта есептеу үшін «Орындарды таңдау» басыңыз.",
                      "en": "The settings changed: press “Suggest sites” to compute again."},
    "suggest.result": {"ru": "Предложенные места", "kk": "Ұсынылған орындар", "en": "Suggested sites"},
    "suggest.nothing": {"ru": "Добавлять нечего: новые места не увеличивают охват.",
                        "kk": "Қосатын ештеңе жоқ: жаңа орындар қамтуды арттырмайды.",
                        "en": "Nothing to add: no new site improves the coverage."},
    "suggest.objective.mclp": {"ru": "Спрос в пределах {minutes} мин (с действующими службами): {value}",
                               "kk": "{minutes} мин ішіндегі сұраныс (қолданыстағы қызметтермен): {value}",
                               "en": "Demand within {minutes} min (existing sites included): {value}"},
    "suggest.objective.lscp": {"ru": "Новых мест нужно: {value}", "kk": "Қажет жаңа орындар: {value}",
                               "en": "New sites needed: {value}"},
    "suggest.objective.pmedian": {
        "ru": "Спрос × минуты до ближайшей службы, сумма: {value}",
        "kk": "Сұраныс × жақын қызметке дейінгі минут, жиыны: {value}",
        "en": "Demand × minutes to the nearest service, total: {value}",
    },
    "suggest.optimal": {"ru": "Решение оптимально (доказано CBC).", "kk": "Шешім оңтайлы (CBC дәлелдеді).",
                        "en": "The solution is optimal (proved by CBC)."},
    "suggest.feasible": {
        "ru": "CBC остановился по лимиту времени: решение допустимое, но оптимальность не доказана.",
        "kk": "CBC уақыт шегінде тоқтады: шешім жарамды, бірақ оңтайлылығы дәлелденбеген.",
        "en": "CBC stopped at its time limit: the solution is feasible, its optimality not proved.",
    },
    "suggest.gap_exact": {"ru": "Жадное решение отстоит от оптимума на {pct}%.",
                          "kk": "Ашкөз шешім оптимумнан {pct}% қашықтықта.",
                          "en": "Greedy is within {pct}% of the optimum."},
    "suggest.gap_bound": {"ru": "Жадное решение отстоит от оптимума не более чем на {pct}% (по оценке).",
                          "kk": "Ашкөз шешім оптимумнан ең көбі {pct}% қашықтықта (бағалау бойынша).",
                          "en": "Greedy is at most {pct}% from the optimum (by a bound)."},
    "suggest.gap_unknown": {"ru": "Насколько жадное решение далеко от оптимума, неизвестно.",
                            "kk": "Ашкөз шешімнің оптимумнан қашықтығы белгісіз.",
                            "en": "How far greedy is from the optimum is not known."},
    "suggest.col.order": {"ru": "№", "kk": "№", "en": "#"},
    "suggest.col.name": {"ru": "Место", "kk": "Орын", "en": "Site"},
    "suggest.col.district": {"ru": "Район", "kk": "Аудан", "en": "District"},
    "suggest.col.gain_people": {"ru": "+ жителей в пределах {minutes} мин", "kk": "+ {minutes} мин ішіндегі тұрғындар",
                                "en": "+ people within {minutes} min"},
    "suggest.col.gain_incidents": {"ru": "+ обращений в пределах {minutes} мин",
                                   "kk": "+ {minutes} мин ішіндегі өтініштер",
                                   "en": "+ incidents within {minutes} min"},
    "suggest.col.gain_settlements": {"ru": "+ сёл", "kk": "+ ауылдар", "en": "+ settlements"},
    "suggest.col.gain_objective": {"ru": "Вклад в цель модели", "kk": "Модель мақсатына үлесі",
                                   "en": "Gain in the model's objective"},
    "suggest.pick_tooltip": {"ru": "{order}. {name}: +{people} жителей", "kk": "{order}. {name}: +{people} тұрғын",
                             "en": "{order}. {name}: +{people} people"},
    "suggest.pick_tooltip_incidents": {"ru": ", +{incidents} обращений", "kk": ", +{incidents} өтініш",
                                       "en": ", +{incidents} incidents"},
    "suggest.legend_pick": {"ru": "Предложенное место (№ — порядок выбора)",
                            "kk": "Ұсынылған орын (№ — таңдау реті)", "en": "Suggested site (# = order picked)"},
    "suggest.unreachable": {
        "ru": "Сёл, до которых ни одно место не доезжает за {minutes} мин: {n}. Они не мешают решению.",
        "kk": "Ешбір орыннан {minutes} минутта жетуге болмайтын ауылдар: {n}. Олар шешімге кедергі емес.",
        "en": "Settlements no site reaches within {minutes} min: {n}. They do not stop the solution.",
    },
    "suggest.no_candidate_districts": {
        "ru": "В этих районах нет ни действующей службы, ни возможного места: {names}",
        "kk": "Бұл аудандарда қолданыстағы қызмет те, ықтимал орын да жоқ: {names}",
        "en": "These districts have no existing site and no candidate: {names}",
    },
    "suggest.unknown_population": {
        "ru": "Сёл с неизвестным населением (учтены как 0): {n}",
        "kk": "Халқы белгісіз ауылдар (0 деп есептелді): {n}",
        "en": "Settlements of unknown population (counted as 0): {n}",
    },
    "suggest.travel_times": {"ru": "Время в пути: {description}", "kk": "Жол уақыты: {description}",
                             "en": "Travel times: {description}"},
    "suggest.save_name": {"ru": "Название нового сценария", "kk": "Жаңа сценарийдің атауы",
                          "en": "Name of the new scenario"},
    "suggest.default_name": {"ru": "{base} + {n} предложенных мест", "kk": "{base} + {n} ұсынылған орын",
                             "en": "{base} + {n} suggested sites"},
    "suggest.site_prefix": {"ru": "Предложено: ", "kk": "Ұсынылған: ", "en": "Suggested: "},
    "suggest.save": {"ru": "Сохранить как новый сценарий", "kk": "Жаңа сценарий ретінде сақтау",
                     "en": "Save as a new scenario"},
    "suggest.saved": {"ru": "Сохранён сценарий «{name}» ({n} мест): его можно открыть на странице сравнения.",
                      "kk": "«{name}» сценарийі сақталды ({n} орын): оны салыстыру бетінде ашуға болады.",
                      "en": "Saved scenario “{name}” ({n} sites): open it on the compare page."},
    "suggest.save_needs_edit": {
        "ru": "Сохранять сценарии может только роль с правом редактирования (планировщик).",
        "kk": "Сценарийлерді тек өңдеу құқығы бар рөл (жоспарлаушы) сақтай алады.",
        "en": "Only a role that may edit scenarios (planner) can save the suggestion.",
    },
}
