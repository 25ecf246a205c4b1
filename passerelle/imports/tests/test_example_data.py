"""The example a newcomer imports reads as real data would: no interview submitted after
today, no victim recorded as a man under a woman's name (or the reverse)."""

import datetime as dt

from passerelle.imports import example

SEX_OF = {person[0]: person[3] for person in example.PEOPLE}


def test_each_victims_name_goes_with_their_sex():
    victims = [v for sub in example.submissions() for v in sub["victimes"]]
    assert victims
    for victim in victims:
        assert SEX_OF[victim["victimes/nom"]] == victim["victimes/sexe"], victim


def test_each_interview_is_submitted_the_day_it_was_held_before_today():
    today = dt.date(2026, 12, 4)
    for sub in example.submissions(today):
        held = dt.date.fromisoformat(sub["values"]["incident/date_signalement"])
        assert sub["submitted"].date() == held
        assert sub["submitted"].date() < today
