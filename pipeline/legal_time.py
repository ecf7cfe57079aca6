"""Dutch legal time: a day starts at midnight in the Netherlands.

Covenant validity, the `datum` treatment, statistics periods and a person's age at an event all
count days this way. The day of an event is its day in Dutch time, not in UTC: at 00:30 on
someone's eighteenth birthday (22:30 UTC the day before) that person is an adult.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LEGAL_TZ = ZoneInfo("Europe/Amsterdam")


def legal_day(moment: dt.datetime) -> dt.date:
    """The calendar day of ``moment`` in the Netherlands (a moment without zone is UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(LEGAL_TZ).date()
