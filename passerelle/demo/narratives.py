"""Neutral, templated narratives for the demonstration incidents (pure data, no Django).

No template names or describes an identifiable person: narratives speak of "the victim", "a
witness", "armed men". Events are written for each incident category used by the demo; a
narrative is built as: event sentence + attribution sentence + follow-up sentence.
"""

from __future__ import annotations

WHEN = {
    "fr": [
        "à l'aube",
        "en fin de matinée",
        "dans l'après-midi",
        "en début de soirée",
        "pendant la nuit",
        "un jour de marché",
        "au retour des champs",
        "peu après la prière du vendredi",
    ],
    "en": [
        "at dawn",
        "late in the morning",
        "in the afternoon",
        "in the early evening",
        "during the night",
        "on a market day",
        "on the way back from the fields",
        "shortly after Friday prayers",
    ],
}

PLACE = {
    "fr": [
        "dans le village",
        "au marché",
        "sur la route menant au chef-lieu de cercle",
        "près d'un point d'eau",
        "dans un campement",
        "à la sortie du quartier",
        "sur un site de déplacés",
        "près d'un poste de contrôle",
        "au bord du fleuve",
    ],
    "en": [
        "in the village",
        "at the market",
        "on the road to the cercle's main town",
        "near a water point",
        "in a nomadic camp",
        "on the outskirts of the neighbourhood",
        "at a displacement site",
        "near a checkpoint",
        "on the river bank",
    ],
}

PERPETRATOR = {
    "national_armed_forces": {
        "fr": ["des militaires en uniforme", "des éléments des forces armées"],
        "en": ["soldiers in uniform", "members of the armed forces"],
    },
    "national_security_forces": {
        "fr": ["des agents des forces de sécurité", "des gendarmes en service"],
        "en": ["members of the security forces", "gendarmes on duty"],
    },
    "international_forces": {
        "fr": ["des militaires d'une force internationale"],
        "en": ["soldiers of an international force"],
    },
    "non_state_armed_group": {
        "fr": [
            "des éléments d'un groupe armé",
            "des hommes armés se réclamant d'un groupe armé",
            "des combattants circulant à bord de véhicules tout-terrain",
        ],
        "en": [
            "members of an armed group",
            "armed men claiming to belong to an armed group",
            "fighters travelling in pick-up trucks",
        ],
    },
    "self_defence_militia": {
        "fr": ["des membres d'une milice d'autodéfense"],
        "en": ["members of a self-defence militia"],
    },
    "criminal_group": {
        "fr": ["des bandits armés", "des individus armés circulant à moto"],
        "en": ["armed bandits", "armed men on motorbikes"],
    },
    "civilian_community": {
        "fr": ["un membre de la communauté", "des voisins de la victime"],
        "en": ["a member of the community", "neighbours of the victim"],
    },
    "civilian_family": {
        "fr": ["un membre de la famille", "le conjoint de la victime"],
        "en": ["a family member", "the victim's spouse"],
    },
    "other": {"fr": ["d'autres acteurs"], "en": ["other actors"]},
    "unknown": {
        "fr": ["des individus non identifiés", "des hommes armés non identifiés"],
        "en": ["unidentified individuals", "unidentified armed men"],
    },
}

ATTRIBUTION = {
    "fr": [
        "Les faits sont attribués à {perpetrator}.",
        "Selon la source, les auteurs présumés sont {perpetrator}.",
        "Les témoins attribuent les faits à {perpetrator}.",
    ],
    "en": [
        "The acts are attributed to {perpetrator}.",
        "According to the source, the alleged perpetrators are {perpetrator}.",
        "Witnesses attribute the acts to {perpetrator}.",
    ],
}

# Event sentences by category code. Placeholders: {when}, {place}.
EVENTS = {
    # --- protection monitoring (GPC protection risks)
    "pm.attacks_on_civilians": {
        "fr": [
            "{when}, des tirs ont visé un groupe de civils {place}, faisant des blessés.",
            "{when}, des hommes armés ont fait irruption {place} et ont tiré en l'air avant "
            "de frapper plusieurs habitants.",
        ],
        "en": [
            "{when}, shots were fired at a group of civilians {place}, wounding several.",
            "{when}, armed men burst in {place}, fired into the air and beat several residents.",
        ],
    },
    "pm.abduction_detention": {
        "fr": [
            "{when}, un homme a été emmené de force {place} et sa famille est sans nouvelles "
            "depuis.",
            "{when}, deux commerçants ont été arrêtés {place} et détenus plusieurs jours sans "
            "explication.",
        ],
        "en": [
            "{when}, a man was taken away by force {place}; his family has had no news since.",
            "{when}, two traders were arrested {place} and held for several days without "
            "explanation.",
        ],
    },
    "pm.property": {
        "fr": [
            "{when}, des boutiques ont été pillées {place} et du bétail a été emporté.",
            "{when}, des habitants ont dû remettre leur argent et leurs téléphones {place}.",
        ],
        "en": [
            "{when}, shops were looted {place} and livestock was taken away.",
            "{when}, residents were forced to hand over money and phones {place}.",
        ],
    },
    "pm.movement_displacement": {
        "fr": [
            "{when}, plusieurs familles ont quitté leurs maisons {place} après des menaces "
            "répétées.",
            "{when}, des habitants ont été empêchés de franchir un barrage {place} pour "
            "se rendre aux champs.",
        ],
        "en": [
            "{when}, several families left their homes {place} after repeated threats.",
            "{when}, residents were prevented from crossing a roadblock {place} to reach "
            "their fields.",
        ],
    },
    "pm.gbv": {
        "fr": ["{when}, une femme a été agressée {place} alors qu'elle allait chercher du bois."],
        "en": ["{when}, a woman was assaulted {place} while collecting firewood."],
    },
    "pm.family_separation": {
        "fr": [
            "{when}, des enfants ont été séparés de leurs parents {place} lors de la fuite "
            "de la famille."
        ],
        "en": ["{when}, children were separated from their parents {place} as the family fled."],
    },
    "pm.explosive_ordnance": {
        "fr": [
            "{when}, un engin explosif a été découvert {place} ; la zone a été signalée aux "
            "autorités.",
            "{when}, des enfants ont ramassé un objet métallique {place} qui a explosé.",
        ],
        "en": [
            "{when}, an explosive device was found {place}; the area was reported to the "
            "authorities.",
            "{when}, children picked up a metal object {place} which exploded.",
        ],
    },
    "pm.discrimination_denial": {
        "fr": [
            "{when}, des familles déplacées se sont vu refuser l'accès à une distribution {place}."
        ],
        "en": ["{when}, displaced families were refused access to a distribution {place}."],
    },
    "pm.torture_cidt": {
        "fr": ["{when}, un jeune homme a été battu et humilié publiquement {place}."],
        "en": ["{when}, a young man was beaten and publicly humiliated {place}."],
    },
    "pm.psychological_distress": {
        "fr": ["{when}, des menaces ont été proférées contre des habitants {place}."],
        "en": ["{when}, threats were made against residents {place}."],
    },
    "pm.child_recruitment": {
        "fr": [
            "{when}, des adolescents ont été approchés {place} avec des promesses d'argent "
            "pour rejoindre un groupe armé."
        ],
        "en": [
            "{when}, teenagers were approached {place} with promises of money to join an "
            "armed group."
        ],
    },
    "pm.documentation_justice": {
        "fr": [
            "{when}, des déplacés sans pièces d'identité ont été refoulés {place} et n'ont pu "
            "porter plainte."
        ],
        "en": [
            "{when}, displaced people without identity papers were turned away {place} and "
            "could not file a complaint."
        ],
    },
    "pm.child_forced_marriage": {
        "fr": ["{when}, une adolescente a été mariée contre son gré {place}."],
        "en": ["{when}, a teenage girl was married against her will {place}."],
    },
    # --- gender-based violence (GBVIMS)
    "gbv.rape": {
        "fr": ["{when}, une femme a été violée {place}."],
        "en": ["{when}, a woman was raped {place}."],
    },
    "gbv.sexual_assault": {
        "fr": ["{when}, une jeune femme a subi des attouchements forcés {place}."],
        "en": ["{when}, a young woman was sexually assaulted {place}."],
    },
    "gbv.physical_assault": {
        "fr": ["{when}, une femme a été frappée à plusieurs reprises {place}."],
        "en": ["{when}, a woman was beaten repeatedly {place}."],
    },
    "gbv.forced_marriage": {
        "fr": ["{when}, une adolescente a été donnée en mariage sans son consentement {place}."],
        "en": ["{when}, a teenage girl was given in marriage without her consent {place}."],
    },
    "gbv.denial_of_resources": {
        "fr": ["{when}, une veuve a été privée de ses biens et de l'accès aux vivres {place}."],
        "en": ["{when}, a widow was deprived of her belongings and of access to food {place}."],
    },
    "gbv.psychological_emotional_abuse": {
        "fr": ["{when}, une femme a été menacée et insultée de façon répétée {place}."],
        "en": ["{when}, a woman was repeatedly threatened and insulted {place}."],
    },
    # --- conflict-related sexual violence
    "crsv.rape": {
        "fr": ["{when}, une femme a été violée {place} par des hommes armés."],
        "en": ["{when}, a woman was raped {place} by armed men."],
    },
    "crsv.gang_rape": {
        "fr": ["{when}, une femme a été violée par plusieurs hommes armés {place}."],
        "en": ["{when}, a woman was raped by several armed men {place}."],
    },
    "crsv.sexual_assault": {
        "fr": ["{when}, des femmes ont subi des violences sexuelles lors d'une fouille {place}."],
        "en": ["{when}, women were sexually assaulted during a search {place}."],
    },
    "crsv.forced_marriage": {
        "fr": ["{when}, une jeune femme a été contrainte d'épouser un combattant {place}."],
        "en": ["{when}, a young woman was forced to marry a fighter {place}."],
    },
    "crsv.sexual_slavery": {
        "fr": ["{when}, des femmes ont été retenues plusieurs jours {place} et abusées."],
        "en": ["{when}, women were held for several days {place} and abused."],
    },
    "crsv.other_comparable_gravity": {
        "fr": ["{when}, des femmes ont été déshabillées de force en public {place}."],
        "en": ["{when}, women were forcibly stripped in public {place}."],
    },
    # --- human rights violations (HURIDOCS)
    "hr.010101020000": {
        "fr": ["{when}, des civils arrêtés {place} ont été retrouvés morts peu après."],
        "en": ["{when}, civilians arrested {place} were found dead shortly afterwards."],
    },
    "hr.010103020000": {
        "fr": ["{when}, un berger a été tué {place} alors qu'il gardait son troupeau."],
        "en": ["{when}, a herder was killed {place} while tending his herd."],
    },
    "hr.010105000000": {
        "fr": ["{when}, des tirs indiscriminés {place} ont tué des passants."],
        "en": ["{when}, indiscriminate fire {place} killed passers-by."],
    },
    "hr.010109000000": {
        "fr": ["{when}, un homme a été grièvement blessé par balle {place}."],
        "en": ["{when}, a man was seriously wounded by gunfire {place}."],
    },
    "hr.020101000000": {
        "fr": ["{when}, des habitants ont été frappés lors d'un contrôle {place}."],
        "en": ["{when}, residents were beaten during a check {place}."],
    },
    "hr.020103020000": {
        "fr": ["{when}, un enseignant a reçu des menaces de mort {place}."],
        "en": ["{when}, a teacher received death threats {place}."],
    },
    "hr.020111110000": {
        "fr": ["{when}, un détenu a été soumis à des mauvais traitements graves {place}."],
        "en": ["{when}, a detainee was subjected to serious ill-treatment {place}."],
    },
    "hr.020121000000": {
        "fr": ["{when}, un village entier a été puni collectivement {place} après une attaque."],
        "en": ["{when}, a whole village was collectively punished {place} after an attack."],
    },
    "hr.030101000000": {
        "fr": [
            "{when}, plusieurs hommes ont été arrêtés {place} en raison de leur appartenance "
            "communautaire supposée."
        ],
        "en": ["{when}, several men were arrested {place} because of their presumed community."],
    },
    "hr.030102000000": {
        "fr": ["{when}, des personnes arrêtées {place} sont détenues sans avoir vu un juge."],
        "en": ["{when}, people arrested {place} have been detained without seeing a judge."],
    },
    "hr.030103000000": {
        "fr": ["{when}, un homme a été emmené {place} ; sa famille ignore où il se trouve."],
        "en": ["{when}, a man was taken away {place}; his family does not know where he is."],
    },
    "hr.030104000000": {
        "fr": ["{when}, un commerçant a été enlevé {place} et une rançon a été exigée."],
        "en": ["{when}, a trader was kidnapped {place} and a ransom was demanded."],
    },
    "hr.130101000000": {
        "fr": ["{when}, des maisons ont été pillées {place}."],
        "en": ["{when}, houses were looted {place}."],
    },
    "hr.130103000000": {
        "fr": ["{when}, des habitations et des greniers ont été incendiés {place}."],
        "en": ["{when}, houses and granaries were set on fire {place}."],
    },
    "hr.130104000000": {
        "fr": ["{when}, des transporteurs ont dû payer pour passer un barrage {place}."],
        "en": ["{when}, transporters were made to pay to pass a roadblock {place}."],
    },
    "hr.050106000000": {
        "fr": [
            "{when}, la circulation des civils a été interdite {place} pendant plusieurs jours."
        ],
        "en": ["{when}, civilians were barred from moving {place} for several days."],
    },
    # --- grave violations against children (MRM)
    "mrm.recruitment": {
        "fr": [
            "{when}, des garçons ont été vus armés à un poste de contrôle {place}.",
            "{when}, des enfants ont été enrôlés {place} après des promesses d'argent.",
        ],
        "en": [
            "{when}, armed boys were seen manning a checkpoint {place}.",
            "{when}, children were enlisted {place} after promises of money.",
        ],
    },
    "mrm.killing": {
        "fr": ["{when}, un enfant a été tué {place} lors d'un échange de tirs."],
        "en": ["{when}, a child was killed {place} during an exchange of fire."],
    },
    "mrm.maiming": {
        "fr": [
            "{when}, des enfants ont été blessés {place} par l'explosion d'un engin.",
            "{when}, un adolescent a été blessé par balle {place}.",
        ],
        "en": [
            "{when}, children were injured {place} by the explosion of a device.",
            "{when}, a teenager was wounded by gunfire {place}.",
        ],
    },
    "mrm.sexual_violence": {
        "fr": ["{when}, une fille a subi des violences sexuelles {place}."],
        "en": ["{when}, a girl was subjected to sexual violence {place}."],
    },
    "mrm.abduction": {
        "fr": [
            "{when}, des enfants ont été enlevés {place} et emmenés vers une destination inconnue."
        ],
        "en": ["{when}, children were abducted {place} and taken to an unknown destination."],
    },
    "mrm.attack_on_schools": {
        "fr": ["{when}, une école a été saccagée {place} et le matériel scolaire brûlé."],
        "en": ["{when}, a school was ransacked {place} and school materials burnt."],
    },
    "mrm.attack_on_hospitals": {
        "fr": ["{when}, un centre de santé a été pillé {place} et ses médicaments emportés."],
        "en": ["{when}, a health centre was looted {place} and its medicines taken away."],
    },
    "mrm.denial_humanitarian_access": {
        "fr": ["{when}, un convoi d'aide destiné aux enfants a été bloqué {place}."],
        "en": ["{when}, an aid convoy for children was blocked {place}."],
    },
    "mrm.military_use": {
        "fr": ["{when}, une école a été occupée {place} et utilisée comme base."],
        "en": ["{when}, a school was occupied {place} and used as a base."],
    },
    "mrm.deprivation_liberty": {
        "fr": [
            "{when}, des enfants ont été détenus {place} pour association présumée avec un "
            "groupe armé."
        ],
        "en": [
            "{when}, children were detained {place} for alleged association with an armed group."
        ],
    },
}

FOLLOW_UP = {
    "victim": {
        "fr": [
            "La victime a été orientée vers une structure de santé.",
            "La victime a bénéficié d'un appui psychosocial.",
            "La victime a été référée vers les services compétents avec son accord.",
            "La victime a préféré ne pas être référée pour le moment.",
        ],
        "en": [
            "The victim was referred to a health facility.",
            "The victim received psychosocial support.",
            "The victim was referred to the relevant services with their consent.",
            "The victim preferred not to be referred for now.",
        ],
    },
    "report": {
        "fr": [
            "L'incident a été rapporté à l'équipe de monitoring quelques jours plus tard.",
            "Les informations ont été recueillies lors d'une visite de monitoring.",
            "Un leader communautaire a signalé les faits au point focal.",
            "Les faits ont été recoupés auprès de deux sources indépendantes.",
        ],
        "en": [
            "The incident was reported to the monitoring team a few days later.",
            "The information was gathered during a monitoring visit.",
            "A community leader reported the facts to the focal point.",
            "The facts were cross-checked with two independent sources.",
        ],
    },
}

EXACT_LOCATION = [
    "Quartier {n}, près du marché",
    "Hameau à {km} km au {direction} du chef-lieu",
    "Sur l'axe routier, à {km} km du chef-lieu de cercle",
    "Site de déplacés, secteur {letter}",
    "Près du puits pastoral, à {km} km à l'{direction2}",
    "Campement nomade à {km} km au {direction}",
    "Abords de l'école du quartier {n}",
    "Bord du fleuve, près du débarcadère",
    "Gare routière",
]

VERIFICATION_NOTES = {
    "not_verified": [
        "Informations insuffisantes pour corroborer les faits.",
        "Source unique, non corroborée après deux visites.",
        "Insufficient information to corroborate the facts.",
    ],
    "discarded": [
        "Doublon d'un incident déjà enregistré.",
        "Les faits ne relèvent pas des critères de l'outil.",
        "Duplicate of an incident already recorded.",
    ],
}


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def narrative(rng, language: str, category_code: str, perpetrator_code: str | None, victims: int):
    """A short neutral narrative for an incident of `category_code`."""
    templates = EVENTS[category_code][language]
    event = _cap(
        rng.choice(templates).format(
            when=rng.choice(WHEN[language]), place=rng.choice(PLACE[language])
        )
    )
    parts = [event]
    if perpetrator_code:
        phrases = PERPETRATOR.get(perpetrator_code, PERPETRATOR["unknown"])[language]
        parts.append(rng.choice(ATTRIBUTION[language]).format(perpetrator=rng.choice(phrases)))
    follow = FOLLOW_UP["victim" if victims and rng.random() < 0.6 else "report"][language]
    parts.append(rng.choice(follow))
    return " ".join(parts)


def exact_location(rng) -> str:
    return rng.choice(EXACT_LOCATION).format(
        n=rng.randint(1, 12),
        km=rng.randint(2, 45),
        direction=rng.choice(["nord", "sud", "nord-est", "sud-ouest", "nord-ouest", "sud-est"]),
        direction2=rng.choice(["est", "ouest"]),
        letter=rng.choice("ABCDE"),
    )
