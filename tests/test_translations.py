"""The Russian catalogue is complete and compiled: every string the interface shows has a
Russian translation, none is a guess left by msgmerge, and the .mo Django reads says what the
.po says. (The English catalogue stays empty: English is the source language.)

After `makemessages`, translate the new entries in locale/ru/LC_MESSAGES/django.po, then run
`compilemessages`; these tests say which entries are missing."""

import re
from pathlib import Path

import polib
from django.conf import settings

RU = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|\{(\w*)\}")


def catalogue() -> polib.POFile:
    return polib.pofile(str(RU / "django.po"))


def name(entry) -> str:
    return f"{entry.msgctxt + ' | ' if entry.msgctxt else ''}{entry.msgid!r} (line {entry.linenum})"


def key(entry) -> tuple:
    return (entry.msgctxt or None, entry.msgid, entry.msgid_plural or None)


def translation_of(entry):
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
    return entry.msgstr


def test_every_string_has_a_russian_translation():
    missing = [name(e) for e in catalogue().untranslated_entries()]
    assert not missing, "No Russian for:\n" + "\n".join(missing)


def test_no_russian_translation_is_a_fuzzy_guess():
    fuzzy = [name(e) for e in catalogue().fuzzy_entries()]
    assert not fuzzy, "Fuzzy (check the Russian, then drop the flag):\n" + "\n".join(fuzzy)


def test_no_previous_msgid_lines_are_left():
    """`#| msgid` lines, left by msgmerge next to fuzzy entries, break msgfmt."""
    assert not re.search(r"^#\|", (RU / "django.po").read_text(encoding="utf-8"), re.M)


def test_a_translation_keeps_the_placeholders_of_its_original():
    wrong = []
    for entry in catalogue().translated_entries():
        wanted = set(PLACEHOLDER.findall(entry.msgid + (entry.msgid_plural or "")))
        forms = translation_of(entry)
        for form in forms if isinstance(forms, tuple) else (forms,):
            # A plural form may leave the number out ("одно сообщение"), never add a name.
            if not set(PLACEHOLDER.findall(form)) <= wanted or (
                not entry.msgid_plural and set(PLACEHOLDER.findall(form)) != wanted
            ):
                wrong.append(f"{name(entry)}: {form!r}")
    assert not wrong, "\n".join(wrong)


def test_the_compiled_catalogue_is_up_to_date():
    """django.mo holds exactly the translated entries of django.po: run compilemessages."""
    po = {key(e): translation_of(e) for e in catalogue().translated_entries()}
    mo = {
        key(e): translation_of(e)
        for e in polib.mofile(str(RU / "django.mo"))
        if e.msgid  # the header
    }
    stale = sorted(str(k[1]) for k in po.keys() | mo.keys() if po.get(k) != mo.get(k))
    assert not stale, "django.mo differs from django.po for:\n" + "\n".join(stale[:20])
