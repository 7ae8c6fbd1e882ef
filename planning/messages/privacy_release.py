"""Messages of the protected release of incident counts (planning.release)."""

MESSAGES = {
    "release.note": {
        "ru": "Числа обращений защищены: к каждому добавлен небольшой постоянный шум, поэтому "
              "суммы по столбцам могут немного расходиться; числа меньше {k} показаны как «<{k}».",
        "kk": "Өтініштер саны қорғалған: әр санға шағын тұрақты шу қосылған, сондықтан "
              "бағандар қосындысы сәл сәйкес келмеуі мүмкін; {k}-тен аз сандар «<{k}» түрінде көрсетілген.",
        "en": "Incident counts are protected: each carries a small fixed noise, so sums across columns "
              "may differ slightly; counts below {k} show as \"<{k}\".",
    },
}
