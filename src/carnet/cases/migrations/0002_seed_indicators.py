"""The indicator checklist for children: carnet's own wording, in the structure of the ILO / European Commission
operational indicators of trafficking in human beings (six dimensions, each indicator strong, medium or weak).

The texts are written for carnet, not copied: they say in plain words what a caseworker looks for
with a child. Strengths follow the logic of the ILO/EC set for children: deception, force and
control are strong or medium; circumstances that make a child vulnerable are medium or weak.
A checklist is an aid to the worker's judgement; carnet never turns it into a verdict.
"""

from django.db import migrations

# code, dimension, strength, English, Russian
INDICATORS = [
    # Deceptive recruitment
    (
        "deception-nature-of-activity",
        "deceptive_recruitment",
        "strong",
        "The child or the family was lied to about the work, schooling or place the child would be taken to.",
        "Ребёнка или его семью обманули относительно работы, учёбы или места, куда ребёнка должны были увезти.",
    ),
    (
        "deception-conditions",
        "deceptive_recruitment",
        "medium",
        "What was promised about pay, housing or hours turned out to be false.",
        "То, что обещали об оплате, жилье или продолжительности работы, оказалось неправдой.",
    ),
    (
        "deception-journey-and-papers",
        "deceptive_recruitment",
        "medium",
        "The child was misled about the journey, the travel papers or whether the move was legal.",
        "Ребёнка ввели в заблуждение относительно поездки, документов для неё или законности переезда.",
    ),
    (
        "deception-promises-to-family",
        "deceptive_recruitment",
        "weak",
        "The family was promised money sent home or a better life for the child.",
        "Семье обещали, что ребёнок будет присылать деньги домой или что его ждёт лучшая жизнь.",
    ),
    # Coercive recruitment
    (
        "coercion-abduction-or-sale",
        "coercive_recruitment",
        "strong",
        "The child was taken by force, abducted, or sold or given away by someone.",
        "Ребёнка увезли силой, похитили, продали или кому-то отдали.",
    ),
    (
        "coercion-violence-or-threats",
        "coercive_recruitment",
        "strong",
        "Violence or threats against the child or the family were used to make the child go.",
        "Чтобы заставить ребёнка уехать, применяли насилие или угрозы против него или его семьи.",
    ),
    (
        "coercion-handed-over-for-debt",
        "coercive_recruitment",
        "medium",
        "The child was handed over to pay off a debt of the family.",
        "Ребёнка отдали в счёт долга семьи.",
    ),
    (
        "coercion-confined-before-departure",
        "coercive_recruitment",
        "medium",
        "The child was kept locked in or cut off from others before leaving.",
        "Перед отъездом ребёнка держали взаперти или не давали ему общаться с другими людьми.",
    ),
    # Recruitment by abuse of vulnerability
    (
        "vulnerability-trusted-person",
        "abuse_of_vulnerability",
        "medium",
        "The recruiter was a relative, a carer or someone else the child depended on or trusted.",
        "Вербовщиком был родственник, опекун или другой человек, от которого ребёнок зависел или которому доверял.",
    ),
    (
        "vulnerability-family-crisis",
        "abuse_of_vulnerability",
        "medium",
        "The recruiter used a crisis in the child's life: violence or neglect at "
        "home, loss of parents, life in the street or in an institution.",
        "Вербовщик воспользовался кризисом в жизни ребёнка: насилием или безнадзорностью "
        "в семье, потерей родителей, жизнью на улице или в учреждении.",
    ),
    (
        "vulnerability-emotional-dependence",
        "abuse_of_vulnerability",
        "medium",
        "The recruiter built up a romantic or emotional bond with the child to gain control.",
        "Вербовщик завязал с ребёнком романтические или эмоциональные отношения, чтобы получить над ним власть.",
    ),
    (
        "vulnerability-poverty-or-lack-of-knowledge",
        "abuse_of_vulnerability",
        "weak",
        "The recruiter took advantage of the family's poverty or debts, or of the "
        "child's lack of schooling or of knowledge of their rights.",
        "Вербовщик воспользовался бедностью или долгами семьи либо тем, что ребёнок мало учился или не знал своих прав.",
    ),
    # Exploitative conditions
    (
        "conditions-harmful-activity",
        "exploitative_conditions",
        "strong",
        "The child is used for sexual purposes, or made to do work or activities that are dangerous, illegal or forbidden at their age.",
        "Ребёнка используют в сексуальных целях или заставляют выполнять работу или "
        "действия, опасные, незаконные или запрещённые в его возрасте.",
    ),
    (
        "conditions-no-or-little-pay",
        "exploitative_conditions",
        "strong",
        "The child gets no money or very little, or has to hand over what they receive.",
        "Ребёнок не получает денег или получает очень мало либо должен отдавать всё, что получил.",
    ),
    (
        "conditions-long-hours",
        "exploitative_conditions",
        "medium",
        "The child has to work or be available for very long hours, without rest days.",
        "Ребёнок должен работать или быть в распоряжении других очень долго, без дней отдыха.",
    ),
    (
        "conditions-degrading-living",
        "exploitative_conditions",
        "medium",
        "The child lives in degrading or unsafe conditions, or sleeps where they are exploited; they cannot go to school or see a doctor.",
        "Ребёнок живёт в унизительных или опасных условиях либо ночует там, где его эксплуатируют; он не может ходить в школу или к врачу.",
    ),
    # Coercion at destination
    (
        "control-violence",
        "coercion_at_destination",
        "strong",
        "The child suffers violence or sexual abuse, or is threatened with it.",
        "Ребёнок подвергается насилию или сексуальному насилию либо угрозам такого насилия.",
    ),
    (
        "control-confinement",
        "coercion_at_destination",
        "strong",
        "The child is locked in, watched all the time or not allowed to go out alone.",
        "Ребёнка запирают, постоянно за ним следят или не отпускают одного.",
    ),
    (
        "control-documents-kept",
        "coercion_at_destination",
        "medium",
        "Someone else keeps the child's identity or travel documents.",
        "Документы ребёнка, удостоверяющие личность или нужные для поездок, хранятся у другого человека.",
    ),
    (
        "control-growing-debt",
        "coercion_at_destination",
        "medium",
        "The child is told to work off a debt that keeps growing or that they cannot check.",
        "От ребёнка требуют отработать долг, который постоянно растёт или размер которого он не может проверить.",
    ),
    # Abuse of vulnerability at destination
    (
        "isolation-at-destination",
        "vulnerability_at_destination",
        "medium",
        "The child is cut off: no contact with the family, does not speak the language or does not know where they are.",
        "Ребёнок отрезан от мира: не может связаться с семьёй, не говорит на местном языке или не знает, где находится.",
    ),
    (
        "dependence-on-exploiters",
        "vulnerability_at_destination",
        "medium",
        "The child depends on the exploiters for food, a place to sleep, or alcohol or drugs.",
        "Ребёнок зависит от эксплуататоров в еде, ночлеге, алкоголе или наркотиках.",
    ),
    (
        "fear-of-authorities",
        "vulnerability_at_destination",
        "weak",
        "The child has no right to stay, and fears the police, punishment or being sent away.",
        "У ребёнка нет права на пребывание в стране, и он боится полиции, наказания или высылки.",
    ),
    (
        "fear-of-shame-or-rejection",
        "vulnerability_at_destination",
        "weak",
        "The child fears shame, punishment or rejection by the family or community if they speak about what happened.",
        "Ребёнок боится позора, наказания или отвержения со стороны семьи или общины, если расскажет о случившемся.",
    ),
]


def seed(apps, schema_editor):
    Indicator = apps.get_model("cases", "Indicator")
    IndicatorTranslation = apps.get_model("cases", "IndicatorTranslation")
    for order, (code, dimension, strength, en, ru) in enumerate(INDICATORS, start=1):
        indicator = Indicator.objects.create(code=code, dimension=dimension, strength=strength, sort_order=order * 10)
        IndicatorTranslation.objects.create(master=indicator, language_code="en", text=en)
        IndicatorTranslation.objects.create(master=indicator, language_code="ru", text=ru)


def unseed(apps, schema_editor):
    # Answers point at indicators (PROTECT): a database with answers cannot be unseeded, on purpose.
    apps.get_model("cases", "Indicator").objects.filter(code__in=[row[0] for row in INDICATORS]).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
