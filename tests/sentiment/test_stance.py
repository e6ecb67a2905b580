"""The cue check in front of the stance patterns must never change what they find."""

from __future__ import annotations

import pytest

from detectors.sentiment.stance import TURNING_AWAY, brand_names, says_goodbye_to, turns_away


@pytest.mark.parametrize(
    "text",
    [
        "Cancelled  my   membership", "CANCELLED MY ORDER", "Uninstalled\tthe app", "switched over to the COMPETITION",
        "never\nagain", "#BoycottAcme", "My  next\tphone won't be an Acme", "last order from you",
        "Thanks   for nothing", "KÜNDIGE sofort", "Abo gelöscht", "Ich wechsle   zur Konkurrenz",
        "NIE  WIEDER bestelle ich da", "Mein nächstes Rad wird kein Acme", "Boykott!", "danke  für   nichts",
        "How do I change my address?", "Never had a problem", "The last train was late", "Nie wieder Chaos bei der Bahn",
    ],
)
def test_the_cue_check_agrees_with_the_patterns(text: str) -> None:
    assert turns_away(text) == (TURNING_AWAY.search(text) is not None)


def test_a_farewell_needs_the_brands_name() -> None:
    names = brand_names("acme-rail", ["acmerail_help"])
    assert says_goodbye_to("Good-bye acme, it was nice", names)
    assert says_goodbye_to("@acmerail_help tschüss", names)
    assert not says_goodbye_to("Bye bye summer", names)
    assert not says_goodbye_to("Goodbye acme", ())
