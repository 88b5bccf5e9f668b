"""Default deadline policies (DESIGN §5) and the working-day calendar of the years the
chinesecalendar package knows (2004 onwards). Later years fall back to Monday–Friday until
filled in (``manage.py seed_calendar`` or the admin)."""

import datetime as dt

from django.db import migrations

POLICIES = (
    # name, track, urgency, accept, resolve, report, complete, max extension (amount, unit)
    ("诉求（一般）", "ordinary", "", (1, "working_days"), (7, "working_days"), (24, "hours"),
     (7, "calendar_days"), (5, "working_days")),
    ("诉求（紧急）", "ordinary", "urgent", (2, "hours"), (2, "working_days"), (2, "hours"),
     (2, "calendar_days"), (1, "working_days")),
    ("信访事项（信访工作条例）", "formal", "", (15, "calendar_days"), (60, "calendar_days"),
     (24, "hours"), (30, "calendar_days"), (30, "calendar_days")),
)
FIRST_SEEDED_YEAR = 2020


def forwards(apps, schema_editor):
    DeadlinePolicy = apps.get_model("petitions", "DeadlinePolicy")
    for name, track, urgency, accept, resolve, report, complete, extension in POLICIES:
        DeadlinePolicy.objects.get_or_create(
            track=track,
            category="",
            urgency=urgency,
            is_active=True,
            defaults={
                "name": name,
                "accept_within": accept[0],
                "accept_unit": accept[1],
                "resolve_within": resolve[0],
                "resolve_unit": resolve[1],
                "report_within": report[0],
                "report_unit": report[1],
                "complete_within": complete[0],
                "complete_unit": complete[1],
                "max_extension": extension[0],
                "extension_unit": extension[1],
            },
        )
    import chinese_calendar

    CalendarDay = apps.get_model("petitions", "CalendarDay")
    CalendarYear = apps.get_model("petitions", "CalendarYear")
    year = FIRST_SEEDED_YEAR
    while True:
        try:
            chinese_calendar.is_workday(dt.date(year, 12, 31))
        except NotImplementedError:
            break
        day = dt.date(year, 1, 1)
        rows = []
        while day.year == year:
            working = chinese_calendar.is_workday(day)
            if working != (day.weekday() < 5):
                _, name = chinese_calendar.get_holiday_detail(day)
                rows.append(CalendarDay(date=day, is_working_day=working, name=name or ""))
            day += dt.timedelta(days=1)
        CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
        CalendarYear.objects.get_or_create(
            year=year,
            defaults={"source": f"chinesecalendar {getattr(chinese_calendar, '__version__', '')}"},
        )
        year += 1


class Migration(migrations.Migration):
    dependencies = [("petitions", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
