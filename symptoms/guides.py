"""The guidance pages: plain data, written in our own words from the facts in the seeds.

Each guide is a title, a one-line summary and a few sections; the pages and the verdicts that
link to them read these. Pure data: no Django, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    points: tuple[str, ...] = ()
    closing: tuple[str, ...] = ()  # paragraphs after the points


@dataclass(frozen=True)
class Guide:
    slug: str
    title: str
    summary: str
    sections: tuple[Section, ...]


_GUIDES = (
    Guide(
        slug="warm-up",
        title="Warming up and cooling down",
        summary="Five to ten minutes of easy movement before you jog, and gentle stretches after.",
        sections=(
            Section(
                heading="Why it matters for your back",
                paragraphs=(
                    "Runners who skip the warm-up report lower back pain far more often than "
                    "runners who take a few minutes to get ready: in surveys of marathon "
                    "runners it came top of the list of causes. Moving gently first sends more "
                    "blood to the muscles that steady your spine and makes them less stiff "
                    "when the jogging starts.",
                ),
            ),
            Section(
                heading="Before you run: 5 to 10 minutes",
                paragraphs=(
                    "Every run in your plan starts with a 5-minute brisk walk. If you have a "
                    "little longer, add a few of these, slowly at first:",
                ),
                points=(
                    "Leg swings, forwards and backwards, holding a wall or a tree.",
                    "Hip circles, hands on your hips.",
                    "Gentle twists of the upper body, arms loose.",
                    "Walking lunges: a few long steps, back upright.",
                    "High knees and heel flicks on the spot, for 20 to 30 seconds each.",
                ),
            ),
            Section(
                heading="After you run",
                paragraphs=(
                    "Walk until your breathing settles, then stretch while you are still "
                    "warm. Slow, held stretches keep your lower back, hips and hamstrings from "
                    "tightening up later in the day.",
                ),
                points=(
                    "Child's pose: kneel, sit back towards your heels and reach your arms "
                    "forward along the floor.",
                    "Cat-cow: on hands and knees, slowly round your back up, then let it dip.",
                    "Knees to chest: lying on your back, hug one knee and then both.",
                    "Pelvic tilts: lying on your back with knees bent, gently flatten your "
                    "lower back into the floor and release.",
                ),
            ),
        ),
    ),
    Guide(
        slug="core-and-glutes",
        title="Core and glute work",
        summary="Short strength sessions that take load off your lower back when you run.",
        sections=(
            Section(
                heading="Why it helps",
                paragraphs=(
                    "Your core is the ring of muscles around your middle: stomach, sides, "
                    "pelvis, hips and lower back. When it is strong, your spine does less of "
                    "the work of holding you upright, and the force of each step passes "
                    "between your legs and upper body without piling onto your lower back. "
                    "Weak glutes and tight hips make the lower back pick up the slack.",
                    "Aim for at least one session a week; two or three short ones are better. "
                    "Your plan suggests the exercises for each week.",
                ),
            ),
            Section(
                heading="Exercises to start with",
                points=(
                    "Plank: forearms on the floor under your shoulders, legs straight, body in "
                    "one line from head to heels. Hold 20 to 30 seconds, rest, repeat twice. "
                    "Start on your knees if that is too hard.",
                    "Glute bridge: lie on your back, knees bent, feet flat and hip-width apart. "
                    "Lift your hips until your body is straight from shoulders to knees, hold "
                    "a moment, lower. Ten times.",
                    "Superman: lie face down, arms stretched ahead. Lift arms, chest and legs a "
                    "little off the floor, hold a moment, lower. Five times.",
                    "Bird-dog: on hands and knees, reach one arm forward and the opposite leg "
                    "back, keeping your back flat. Hold, swap sides. Eight each side.",
                    "Side plank: on one forearm with your body in a line, hips up. Hold 15 to "
                    "20 seconds each side.",
                ),
            ),
            Section(
                heading="Stretch what gets tight",
                paragraphs=(
                    "Long hours sitting tighten the hip flexors and hamstrings, which tug on "
                    "the pelvis and the lower spine as you run. Stretch them after runs, and "
                    "use a foam roller on tight glutes and hamstrings if you have one.",
                ),
            ),
            Section(
                heading="Stop if",
                paragraphs=(
                    "An exercise brings on sharp pain, or pain that spreads into a leg. Log it, "
                    "and see the guide on when to see a doctor.",
                ),
            ),
        ),
    ),
    Guide(
        slug="posture-and-cadence",
        title="Posture and cadence",
        summary="Run tall, keep your steps short and quick, and land softly.",
        sections=(
            Section(
                heading="Run tall",
                paragraphs=(
                    "Good form spreads the work of running across many muscles so that no "
                    "single group, your lower back included, takes too much. Leaning far "
                    "forward, slouching, or tipping to one side loads some muscles unevenly.",
                ),
                points=(
                    "Head up, centred between your shoulders, eyes on the path ahead rather "
                    "than your feet.",
                    "Back straight but not stiff; keep your jaw, neck and shoulders relaxed.",
                    "Let your arms swing forwards and backwards, not across your body.",
                    "Lift your legs from the hip and keep your body in line over your feet.",
                ),
            ),
            Section(
                heading="Short, quick steps",
                paragraphs=(
                    "Reaching far ahead with each stride and landing hard on your heel sends a "
                    "jolt up through your legs into your back. Shorter, quicker steps that land "
                    "under your body, nearer the middle of the foot, soak up more of that "
                    "shock. Many coaches suggest about 170 to 180 steps a minute; as a "
                    "beginner, simply aim for a few more, lighter steps than feels natural.",
                    "Music or a metronome app with a steady beat can help you find a rhythm.",
                ),
            ),
            Section(
                heading="Favouring one side",
                paragraphs=(
                    "Pain elsewhere, such as a sore knee or a blister, can make you protect one "
                    "side and strain another. If pain changes the way you run, log it: the plan "
                    "holds the week. A physiotherapist can watch you run and spot what is off.",
                ),
            ),
        ),
    ),
    Guide(
        slug="footwear-and-surfaces",
        title="Footwear and surfaces",
        summary="Cushioned shoes that suit you, replaced in time, and softer ground when you can.",
        sections=(
            Section(
                heading="Shoes",
                paragraphs=(
                    "Running shoes with cushioning and support absorb part of the shock of "
                    "each footstrike, so less of it reaches your lower back. A small study "
                    "found the spine took more shock running barefoot than in shoes.",
                    "No one shoe suits everybody. A running shop that watches you run can help "
                    "you choose. Shoes wear out: after a few hundred miles, or when they feel "
                    "flat and less supportive, replace them.",
                ),
            ),
            Section(
                heading="Surfaces",
                paragraphs=(
                    "Concrete is the hardest surface you are likely to run on. Grass, dirt "
                    "paths, park trails and running tracks are kinder to your back. Mixing "
                    "surfaces also varies the load from run to run.",
                ),
            ),
            Section(
                heading="Drink enough",
                paragraphs=(
                    "Running without enough to drink can bring on cramps and muscle spasms, "
                    "including in the lower back. Have a drink before you set out, and after.",
                ),
            ),
        ),
    ),
    Guide(
        slug="active-rest",
        title="Resting a sore back",
        summary="Rest actively, cross-train, use cold then warmth, and stretch gently.",
        sections=(
            Section(
                heading="Rest, but keep moving",
                paragraphs=(
                    "Do not try to run through pain. When the plan pauses, rest from running "
                    "for at least a week. Rest does not mean bed: lying still for long spells "
                    "tends to make a sore back stiffer and slower to recover. Walk every day "
                    "and stretch gently.",
                ),
            ),
            Section(
                heading="Cross-training",
                paragraphs=(
                    "Swimming, cycling, an elliptical trainer or easy hiking keep your fitness "
                    "without the jolt of running. Water carries your weight, so swimming is "
                    "especially gentle. Stop anything that brings the pain back.",
                ),
            ),
            Section(
                heading="Cold, then warmth",
                points=(
                    "In the first 48 hours, a cold pack or ice wrapped in a cloth, for 10 to "
                    "15 minutes at a time, can calm a sore, inflamed spot.",
                    "After that, warmth such as a hot water bottle or a warm bath helps tight "
                    "muscles loosen.",
                    "A pharmacist can advise whether a painkiller is suitable for you.",
                ),
            ),
            Section(
                heading="Gentle stretches",
                points=(
                    "Child's pose.",
                    "Cat-cow.",
                    "Pelvic tilts.",
                    "Knees to chest.",
                ),
            ),
            Section(
                heading="Coming back",
                paragraphs=(
                    "When your back has settled, check in. With pain of 2 or less and none of "
                    "the warning signs, your plan restarts one week back, so the load builds "
                    "up again gradually. If the pain does not ease with rest, see a doctor or "
                    "physiotherapist.",
                ),
            ),
        ),
    ),
    Guide(
        slug="when-to-see-a-doctor",
        title="When to see a doctor",
        summary="The warning signs that need a clinician, and the ones that need one today.",
        sections=(
            Section(
                heading="Get emergency care today if",
                points=(
                    "You notice any change in controlling your bladder or bowels.",
                    "You have numbness around your groin, bottom or inner thighs (the parts "
                    "that would touch a saddle).",
                ),
                closing=(
                    "Together with back pain, these can mean the nerves at the base of the "
                    "spine are being squeezed. Go to an emergency department or call your "
                    "local emergency number; do not wait to see whether it passes.",
                ),
            ),
            Section(
                heading="Book a doctor or physiotherapist before you run again if",
                points=(
                    "The pain spreads into your buttocks or down a leg.",
                    "You feel numbness or tingling.",
                    "A leg feels weak or unstable.",
                    "The pain does not ease when you rest, or gets worse as you move.",
                ),
                closing=(
                    "These can mean a nerve is irritated, for example by a disc pressing on "
                    "it. Your plan stays paused until their go-ahead is recorded, by you or "
                    "your coach.",
                ),
            ),
            Section(
                heading="Also worth a check",
                paragraphs=(
                    "Pain that lasts beyond a few weeks, keeps coming back, gets worse from "
                    "run to run, or gets in the way of everyday life. A physiotherapist can "
                    "look at how you move and run and give you exercises for your back.",
                ),
            ),
            Section(
                heading="Usually fine",
                paragraphs=(
                    "Mild aching that eases once you have warmed up, does not change how you "
                    "run, and has settled by the next morning is common while your body gets "
                    "used to running. Keep logging it: the plan holds or steps back if it "
                    "builds.",
                ),
            ),
        ),
    ),
)

GUIDES: Mapping[str, Guide] = MappingProxyType({guide.slug: guide for guide in _GUIDES})
