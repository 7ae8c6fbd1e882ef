"""Messages of the scenarios page about keeping edits: the version shown, conflicts between editors (reload or
merge), unique names, renaming, archiving and restoring, and the history (ru, kk, en)."""

MESSAGES: dict[str, dict[str, str]] = {
    "scen_safety.version": {
        "ru": "Версия {version}, служб: {sites}.", "kk": "{version}-нұсқа, қызмет: {sites}.",
        "en": "Version {version}, {sites} sites."},
    "scen_safety.newer": {
        "ru": "Сценарий «{name}» изменил(а) {who} в {when} (теперь версия {version}); вы видите версию {base}.",
        "kk": "«{name}» сценарийін {who} {when} өзгертті (қазір {version}-нұсқа); сіз {base}-нұсқаны көріп тұрсыз.",
        "en": "{who} changed «{name}» at {when} (now version {version}); you are looking at version {base}."},
    "scen_safety.show_newest": {
        "ru": "Показать новую версию", "kk": "Жаңа нұсқаны көрсету", "en": "Show the newest version"},
    "scen_safety.conflict": {
        "ru": "Изменение не сохранено: пока вы работали с версией {base}, сценарий «{name}» изменил(а) {who} "
              "в {when} (теперь версия {version}). Загрузите новую версию (ваше изменение будет отброшено) или "
              "примените своё изменение поверх неё.",
        "kk": "Өзгеріс сақталмады: сіз {base}-нұсқамен жұмыс істеп жатқанда «{name}» сценарийін {who} {when} "
              "өзгертті (қазір {version}-нұсқа). Жаңа нұсқаны жүктеңіз (сіздің өзгерісіңіз алынып тасталады) "
              "немесе өзгерісіңізді соның үстіне қолданыңыз.",
        "en": "Your change was not saved: while you were working on version {base}, {who} changed «{name}» at "
              "{when} (now version {version}). Reload the newest version (your change is dropped) or apply your "
              "change on top of it."},
    "scen_safety.conflict_undo": {
        "ru": "Отмена применяется только к последней версии, которую вы видите; загрузите новую версию.",
        "kk": "Болдырмау тек сіз көріп тұрған соңғы нұсқаға қолданылады; жаңа нұсқаны жүктеңіз.",
        "en": "Undo only applies to the newest version you have seen; reload it first."},
    "scen_safety.reload": {
        "ru": "Загрузить версию {version}", "kk": "{version}-нұсқаны жүктеу", "en": "Reload version {version}"},
    "scen_safety.merge": {
        "ru": "Применить моё изменение к версии {version}", "kk": "Өзгерісімді {version}-нұсқаға қолдану",
        "en": "Apply my change to version {version}"},
    "scen_safety.merged": {
        "ru": "Ваше изменение применено к версии {base}; сохранена версия {version}.",
        "kk": "Өзгерісіңіз {base}-нұсқаға қолданылды; {version}-нұсқа сақталды.",
        "en": "Your change was applied to version {base} and saved as version {version}."},
    "scen_safety.merge_failed": {
        "ru": "Изменение нельзя применить к версии {version}: службы, которую оно меняет, там уже нет. "
              "Загрузите новую версию.",
        "kk": "Өзгерісті {version}-нұсқаға қолдану мүмкін емес: ол өзгертетін қызмет онда жоқ. Жаңа нұсқаны жүктеңіз.",
        "en": "The change cannot be applied to version {version}: the site it changes is no longer there. "
              "Reload the newest version."},
    "scen_safety.archived_meanwhile": {
        "ru": "Сценарий «{name}» перенесён в архив; изменение не сохранено. Восстановите его, чтобы изменять.",
        "kk": "«{name}» сценарийі мұрағатқа жіберілді; өзгеріс сақталмады. Өзгерту үшін оны қалпына келтіріңіз.",
        "en": "«{name}» was archived; the change was not saved. Restore it to change it."},
    "scen_safety.gone": {
        "ru": "Сценарий «{name}», который вы изменяли, перенесён в архив; показан «{shown}».",
        "kk": "Сіз өзгерткен «{name}» сценарийі мұрағатқа жіберілді; «{shown}» көрсетілді.",
        "en": "«{name}», the scenario you were editing, was archived; showing «{shown}»."},
    # --- names ---------------------------------------------------------------------------------------------
    "scen_safety.name_too_long": {
        "ru": "Название длиннее {max} символов; сократите его.", "kk": "Атау {max} таңбадан ұзын; қысқартыңыз.",
        "en": "The name is longer than {max} characters; shorten it."},
    "scen_safety.name_taken": {
        "ru": "Сценарий с названием «{other}» уже есть; выберите другое название.",
        "kk": "«{other}» атаулы сценарий бар; басқа атау таңдаңыз.",
        "en": "A scenario named «{other}» already exists; choose another name."},
    "scen_safety.name_taken_archived": {
        "ru": "Сценарий с названием «{other}» есть в архиве; выберите другое название или восстановите его.",
        "kk": "«{other}» атаулы сценарий мұрағатта бар; басқа атау таңдаңыз немесе оны қалпына келтіріңіз.",
        "en": "An archived scenario is named «{other}»; choose another name, or restore it."},
    "scen_safety.created": {
        "ru": "Создан сценарий «{name}».", "kk": "«{name}» сценарийі құрылды.", "en": "Created «{name}»."},
    # --- rename, archive, restore, history -----------------------------------------------------------------
    "scen_safety.manage": {
        "ru": "Название, архив и история", "kk": "Атау, мұрағат және тарих", "en": "Name, archive and history"},
    "scen_safety.rename_label": {
        "ru": "Название сценария", "kk": "Сценарий атауы", "en": "Scenario name"},
    "scen_safety.rename_button": {
        "ru": "Переименовать сценарий", "kk": "Сценарийдің атауын өзгерту", "en": "Rename the scenario"},
    "scen_safety.renamed": {
        "ru": "Сценарий переименован: «{name}».", "kk": "Сценарийдің атауы өзгертілді: «{name}».",
        "en": "Renamed to «{name}»."},
    "scen_safety.archive_button": {
        "ru": "Перенести в архив", "kk": "Мұрағатқа жіберу", "en": "Archive"},
    "scen_safety.archive_help": {
        "ru": "Сценарий исчезнет из списков, но сохранится со всеми версиями; его можно восстановить.",
        "kk": "Сценарий тізімдерден жоғалады, бірақ барлық нұсқаларымен сақталады; оны қалпына келтіруге болады.",
        "en": "The scenario leaves the lists but is kept with all its versions; it can be restored."},
    "scen_safety.archived": {
        "ru": "Сценарий «{name}» перенесён в архив; его можно восстановить ниже.",
        "kk": "«{name}» сценарийі мұрағатқа жіберілді; оны төменде қалпына келтіруге болады.",
        "en": "«{name}» was archived; it can be restored below."},
    "scen_safety.archive_last": {
        "ru": "Это последний сценарий региона; сначала создайте другой.",
        "kk": "Бұл аймақтың соңғы сценарийі; алдымен басқасын құрыңыз.",
        "en": "This is the region's last scenario; create another one first."},
    "scen_safety.show_archived": {
        "ru": "Архив ({n})", "kk": "Мұрағат ({n})", "en": "Archived ({n})"},
    "scen_safety.restore": {
        "ru": "Восстановить «{name}»", "kk": "«{name}» қалпына келтіру", "en": "Restore «{name}»"},
    "scen_safety.restored": {
        "ru": "Сценарий «{name}» восстановлен.", "kk": "«{name}» сценарийі қалпына келтірілді.",
        "en": "«{name}» was restored."},
    "scen_safety.history": {
        "ru": "История версий", "kk": "Нұсқалар тарихы", "en": "Version history"},
    "scen_safety.col.version": {"ru": "Версия", "kk": "Нұсқа", "en": "Version"},
    "scen_safety.col.action": {"ru": "Действие", "kk": "Әрекет", "en": "Action"},
    "scen_safety.col.author": {"ru": "Кто", "kk": "Кім", "en": "Who"},
    "scen_safety.col.saved_at": {"ru": "Когда (UTC)", "kk": "Қашан (UTC)", "en": "When (UTC)"},
    "scen_safety.col.sites": {"ru": "Служб", "kk": "Қызмет", "en": "Sites"},
    "scen_safety.action.create": {"ru": "создан", "kk": "құрылды", "en": "created"},
    "scen_safety.action.save": {"ru": "изменён", "kk": "өзгертілді", "en": "changed"},
    "scen_safety.action.undo": {"ru": "отмена", "kk": "болдырмау", "en": "undo"},
    "scen_safety.someone": {"ru": "кто-то", "kk": "біреу", "en": "someone"},
}
