"""Messages of accounts and sessions: lockout, temporary and own passwords, ended sessions, exports (ru, kk, en)."""

MESSAGES: dict[str, dict[str, str]] = {
    "nav.password": {"ru": "Смена пароля", "kk": "Құпиясөзді ауыстыру", "en": "Change password"},
    "accounts.locked": {
        "ru": "Слишком много неудачных попыток входа. Повторите через {minutes} мин. или обратитесь к администратору.",
        "kk": "Кіру әрекеттері тым көп сәтсіз болды. {minutes} мин. кейін қайталаңыз немесе әкімшіге хабарласыңыз.",
        "en": "Too many failed sign-ins. Try again in {minutes} min, or ask an admin.",
    },
    "accounts.ended.idle": {
        "ru": "Сеанс завершён: не было действий {minutes} мин. Войдите снова.",
        "kk": "Сеанс аяқталды: {minutes} мин. бойы әрекет болмады. Қайта кіріңіз.",
        "en": "Session ended: no action for {minutes} min. Please sign in again.",
    },
    "accounts.ended.expired": {
        "ru": "Сеанс завершён по истечении срока. Войдите снова.",
        "kk": "Сеанстың мерзімі аяқталды. Қайта кіріңіз.",
        "en": "Session expired. Please sign in again.",
    },
    "accounts.ended.changed": {
        "ru": "Сеанс завершён: администратор изменил вашу учётную запись (роль или пароль) или удалил её.",
        "kk": "Сеанс аяқталды: әкімші есептік жазбаңызды өзгертті (рөл немесе құпиясөз) немесе жойды.",
        "en": "Session ended: an admin changed your account (role or password) or removed it.",
    },
    "accounts.ended.ended": {
        "ru": "Сеанс завершён. Войдите снова.", "kk": "Сеанс аяқталды. Қайта кіріңіз.",
        "en": "Session ended. Please sign in again.",
    },
    "accounts.must_change": {
        "ru": "Вы вошли с временным паролем. Задайте свой пароль, чтобы продолжить.",
        "kk": "Сіз уақытша құпиясөзбен кірдіңіз. Жалғастыру үшін өз құпиясөзіңізді орнатыңыз.",
        "en": "You signed in with a temporary password. Choose your own password to continue.",
    },
    "accounts.current": {"ru": "Текущий пароль", "kk": "Қазіргі құпиясөз", "en": "Current password"},
    "accounts.new": {"ru": "Новый пароль (не короче {n} символов)", "kk": "Жаңа құпиясөз (кемінде {n} таңба)",
                     "en": "New password (at least {n} characters)"},
    "accounts.repeat": {"ru": "Новый пароль ещё раз", "kk": "Жаңа құпиясөзді қайталаңыз",
                        "en": "New password again"},
    "accounts.submit": {"ru": "Сменить пароль", "kk": "Құпиясөзді ауыстыру", "en": "Change password"},
    "accounts.mismatch": {"ru": "Новые пароли не совпадают.", "kk": "Жаңа құпиясөздер сәйкес емес.",
                          "en": "The new passwords differ."},
    "accounts.wrong_current": {"ru": "Текущий пароль неверен.", "kk": "Қазіргі құпиясөз қате.",
                               "en": "The current password is wrong."},
    "accounts.too_short": {"ru": "Пароль слишком короткий: нужно не меньше {n} символов.",
                           "kk": "Құпиясөз тым қысқа: кемінде {n} таңба керек.",
                           "en": "The password is too short: at least {n} characters are needed."},
    "accounts.same": {"ru": "Новый пароль совпадает с текущим.", "kk": "Жаңа құпиясөз қазіргімен бірдей.",
                      "en": "The new password is the same as the current one."},
    "accounts.changed": {"ru": "Пароль изменён. Другие сеансы этого пользователя завершены.",
                         "kk": "Құпиясөз ауыстырылды. Осы пайдаланушының басқа сеанстары аяқталды.",
                         "en": "Password changed. This user's other sessions were ended."},
    "accounts.oidc_unverified": {
        "ru": "Поставщик удостоверений не подтвердил адрес {email}: вход по нему невозможен. Подтвердите адрес у "
              "поставщика или войдите по паролю.",
        "kk": "Сәйкестендіру провайдері {email} мекенжайын растамаған: ол арқылы кіру мүмкін емес. Мекенжайды "
              "провайдерде растаңыз немесе құпиясөзбен кіріңіз.",
        "en": "The identity provider has not verified {email}: it cannot be used to sign in. Verify the address "
              "with the provider, or sign in with a password.",
    },
    "accounts.download_hint": {
        "ru": "Файлы создаются в момент нажатия и выдаются только вошедшему пользователю; каждая выгрузка "
              "записывается в журнал.",
        "kk": "Файлдар басқан сәтте жасалады және тек кірген пайдаланушыға беріледі; әр экспорт журналға жазылады.",
        "en": "Files are built when you click and handed only to a signed-in user; each download is logged.",
    },
}
