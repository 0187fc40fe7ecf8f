"""Demo data for a newcomer: a coach with a group of a dozen athletes, and one athlete login.

Running it twice changes nothing: every row is looked up by a natural key before it is made.
"""

from __future__ import annotations

from functools import cache

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Invite, Membership, TrainingGroup, User

DEMO_PASSWORD = "demo-walk-run-2026"
COACH_EMAIL = "coach@demo.walkrun.test"
ATHLETE_EMAIL = "athlete@demo.walkrun.test"

# (name, email slug, time zone): a spread of places, so reminders and times show off time zones.
ATHLETES = [
    ("Alex Morgan", "alex", "Europe/London"),
    ("Bea Okafor", "bea", "Europe/London"),
    ("Carlos Ruiz", "carlos", "Europe/Madrid"),
    ("Dana Kim", "dana", "America/New_York"),
    ("Eli Cohen", "eli", "Europe/London"),
    ("Fatima Zahra", "fatima", "Europe/Paris"),
    ("Gus Hansen", "gus", "Europe/Oslo"),
    ("Hana Sato", "hana", "Asia/Tokyo"),
    ("Ian Walsh", "ian", "Europe/Dublin"),
    ("Jo Singh", "jo", "Asia/Kolkata"),
    ("Kai Tane", "kai", "Pacific/Auckland"),
    ("Lena Vogel", "lena", "Europe/Berlin"),
]


@cache
def demo_password_hash() -> str:
    # Hashing is deliberately slow; one hash serves every demo account.
    return make_password(DEMO_PASSWORD)


def demo_user(email: str, name: str, role: str, time_zone: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create(
            email=email,
            password=demo_password_hash(),
            display_name=name,
            role=role,
            time_zone=time_zone,
        )
    # Demo addresses count as confirmed so reminders can be tried out on the console.
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


class Command(BaseCommand):
    help = "Create (once) a demo coach, a group of a dozen athletes, and a demo athlete login."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            coach = demo_user(COACH_EMAIL, "Casey Coach", User.Role.COACH, "Europe/London")
            group, _ = TrainingGroup.objects.get_or_create(
                coach=coach, name="Monday beginners", archived_at=None
            )
            if not Invite.objects.filter(group=group, revoked_at=None).exists():
                Invite.objects.create(group=group)
            athletes = [demo_user(ATHLETE_EMAIL, "Sam Starter", User.Role.ATHLETE, "Europe/London")]
            for name, slug, zone in ATHLETES:
                athletes.append(
                    demo_user(f"{slug}@demo.walkrun.test", name, User.Role.ATHLETE, zone)
                )
            for athlete in athletes:
                Membership.objects.get_or_create(group=group, athlete=athlete)
            self.seed_plans(coach, athletes)
        self.stdout.write(
            self.style.SUCCESS(
                "\nDemo data ready. Open http://127.0.0.1:8000/ and log in with:\n"
                f"  athlete: {ATHLETE_EMAIL} / {DEMO_PASSWORD}\n"
                f"  coach:   {COACH_EMAIL} / {DEMO_PASSWORD}\n"
            )
        )

    def seed_plans(self, coach: User, athletes: list[User]) -> None:
        """Plans, then pain logs: together they put the coach's group in every status."""
        from plans.demo import seed_demo_plans
        from symptoms.demo import seed_pain_logs

        seed_demo_plans(coach=coach, athletes=athletes)
        seed_pain_logs(athletes, timezone.now().date())
