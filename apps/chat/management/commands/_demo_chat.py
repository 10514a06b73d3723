# The Russian lines below are meant to be Cyrillic (RUF001 takes Cyrillic letters for look-alikes).
# ruff: noqa: RUF001
"""The demo collabs' conversations (manage.py seed_demo): two working days of chat, so that a
newcomer opens a workspace, not an empty room. Data only; seed_demo writes it through the chat
services. Not a command (the leading underscore keeps Django from listing it).

Each line is said by a demo account (by email) on the first (day 0) or the second (day 1) of the
last two working days before the seed runs, at a time of day in Moscow, where the team sits.
`{due}` in a body is the deadline: two working days after day 1 (always ahead), written in the
collab's language. `reply_to` is the index of an earlier line; a reaction is (email, emoji),
added soon after the line by someone who has read it; `pinned_by` pins the line.

Mentions are written `@Full Name`, as the accounts' full names are (seed_demo.USERS), and links
point to documents on example.com / example.org only.
"""

from dataclasses import dataclass

ANNA = "anna@example.com"
BORIS = "boris@example.com"
IVAN = "ivan@example.com"


@dataclass(frozen=True)
class Line:
    author: str
    day: int  # 0 or 1
    at: str  # "HH:MM", Moscow time
    body: str
    reply_to: int | None = None
    reactions: tuple[tuple[str, str], ...] = ()
    pinned_by: str | None = None


@dataclass(frozen=True)
class Conversation:
    language: str  # of the `{due}` date
    lines: tuple[Line, ...]


# With the design studio (Ivan is the studio's guest): in English, the studio's working language.
WEBSITE = Conversation(
    language="en",
    lines=(
        Line(
            ANNA,
            0,
            "10:02",
            "Good morning! The plan for the homepage sprint:\n\n"
            "1. Ivan: homepage mockups, desktop and mobile\n"
            "2. Boris: content inventory and the new menu\n"
            "3. Review of the final mockups together: {due}, 15:00\n\n"
            "Deadline for the final files: **{due}, 12:00**.",
            reactions=((BORIS, "👍"), (IVAN, "✅")),
            pinned_by=ANNA,
        ),
        Line(
            BORIS,
            0,
            "10:15",
            "Content inventory: https://example.com/docs/website-redesign/content-inventory.xlsx\n"
            "46 pages, 12 of them can go.",
        ),
        Line(
            IVAN,
            0,
            "11:40",
            "Thanks! A question: do we keep the current blue, or is the palette from the new "
            "brand book final?",
        ),
        Line(
            ANNA,
            0,
            "11:52",
            "The new palette is final: https://example.org/brand/brand-book-v2.pdf "
            "(pages 14–17). The old blue stays in the logo only.",
            reply_to=2,
        ),
        Line(
            IVAN,
            0,
            "12:05",
            "Great, that makes it easier. I'll share the first draft in the morning.",
        ),
        Line(
            BORIS,
            0,
            "16:30",
            "@Ivan Petrov the menu will have 6 items instead of 9: Products, Solutions, Pricing, "
            "Customers, Blog, Contacts. Can the mockups use that?",
        ),
        Line(IVAN, 0, "16:48", "Yes, six items fit on one line. Will do.", reply_to=5),
        Line(
            IVAN,
            1,
            "09:20",
            "First draft of the homepage: https://example.org/studio/collabhub/homepage-draft-1\n"
            "Desktop only for now, mobile by the evening.",
            reactions=((ANNA, "🎉"), (BORIS, "👀")),
        ),
        Line(
            ANNA,
            1,
            "09:41",
            "Looks great! Two things: the hero text is too long, and “Request a demo” should "
            "stand out more.\n@Boris Ivanov can you cut the hero text to two lines?",
        ),
        Line(
            BORIS,
            1,
            "10:05",
            "How about: “Your team and your partners in one workspace. Chat, files and meetings "
            "together.”",
            reply_to=8,
        ),
        Line(ANNA, 1, "10:12", "Perfect, let's take it."),
        Line(
            IVAN,
            1,
            "14:30",
            "The mobile version is up, same link, with the new menu and hero text. "
            "Final files on {due} by 12:00, as planned?",
        ),
        Line(ANNA, 1, "15:10", "@Ivan Petrov yes, {due} by 12:00. Thank you!", reply_to=11),
    ),
)

# Internal, Anna and Boris of the Moscow office: in Russian.
REPORT = Conversation(
    language="ru",
    lines=(
        Line(
            ANNA,
            0,
            "09:30",
            "Борис, план по квартальному отчёту:\n\n"
            "1. Выгрузка продаж и расходов — сегодня-завтра\n"
            "2. Слайды для правления — черновик до **{due}, 12:00**\n"
            "3. Репетиция презентации — после черновика\n\n"
            "Шаблон презентации: https://example.com/finance/templates/quarterly-report.pptx",
            pinned_by=ANNA,
        ),
        Line(
            BORIS,
            0,
            "09:48",
            "Принял. Продажи выгружу сегодня, по расходам жду данные от бухгалтерии.",
            reply_to=0,
        ),
        Line(
            ANNA,
            0,
            "10:05",
            "@Boris Ivanov сравниваем с прошлым кварталом или с тем же кварталом прошлого года?",
        ),
        Line(
            BORIS,
            0,
            "10:20",
            "С тем же кварталом прошлого года: так сезонность не искажает картину. "
            "Прошлый квартал добавлю в приложение.",
            reply_to=2,
        ),
        Line(ANNA, 0, "10:22", "Согласна, так и сделаем."),
        Line(
            BORIS,
            0,
            "17:40",
            "Выгрузка продаж: https://example.com/finance/quarterly/sales-export.xlsx\n"
            "Выручка +12% год к году, маржа без изменений.",
        ),
        Line(
            ANNA,
            0,
            "18:02",
            "Отлично. Выделишь на слайдах три главных вывода? "
            "Правлению важнее выводы, чем таблицы.",
        ),
        # Boris ticks his own line (taken), as people do; Anna agrees.
        Line(
            BORIS,
            1,
            "11:15",
            "Беру слайды 4–7 (продажи и регионы) на себя.",
            reactions=((ANNA, "👍"), (BORIS, "✅")),
        ),
        Line(
            BORIS,
            1,
            "16:50",
            "Слайды 4–7 готовы, выводы на слайде 4. Черновик всей презентации: "
            "https://example.com/finance/quarterly/board-deck-draft.pptx",
        ),
        Line(ANNA, 1, "17:30", "Посмотрю вечером. Напоминаю: черновик — до {due}, 12:00."),
    ),
)

CONVERSATIONS = {"Website redesign": WEBSITE, "Quarterly report": REPORT}
