"""The complaint guidance (*klagevejledning*) that decision letters carry, in one place.

Letters are Danish (their templates are), so these texts are Danish and not translated.
"""

#: A kommune's decision (§ 24): complaint to Ankestyrelsen under retssikkerhedslovens kapitel 10, lodged
#: with the kommune within 4 weeks; the kommune reconsiders before forwarding. Used by the kommune's
#: letting approvals and R37.2 dispensations (allocation) and its elder-housing decisions (eldercare).
ANKESTYRELSEN = (
    "Du kan klage over kommunens afgørelse til Ankestyrelsen (bekendtgørelsens § 24). Klagen sendes "
    "til kommunen senest 4 uger efter, at du har modtaget afgørelsen. Kommunen vurderer afgørelsen "
    "igen; fastholder kommunen den, sender den klagen videre til Ankestyrelsen (lov om retssikkerhed og "
    "administration på det sociale område, kapitel 10). Du kan klage skriftligt eller mundtligt."
)
