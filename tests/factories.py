from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth.hashers import MD5PasswordHasher

from accounts.models import Invite, Membership, TrainingGroup, User

PASSWORD = "a long enough test password"
# Fast on purpose; tests/conftest.py lists the MD5 hasher so this hash verifies.
_HASHED = MD5PasswordHasher().encode(PASSWORD, "factorysalt")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"athlete{n}@example.com")
    display_name = factory.Faker("name")
    role = User.Role.ATHLETE
    time_zone = "Europe/London"
    password = _HASHED


class CoachFactory(UserFactory):
    email = factory.Sequence(lambda n: f"coach{n}@example.com")
    role = User.Role.COACH


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingGroup

    coach = factory.SubFactory(CoachFactory)
    name = factory.Sequence(lambda n: f"Beginners {n}")


class InviteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invite

    group = factory.SubFactory(GroupFactory)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    group = factory.SubFactory(GroupFactory)
    athlete = factory.SubFactory(UserFactory)


# --- Plans ------------------------------------------------------------------------------------


class EnrollmentFactory(factory.django.DjangoModelFactory):
    """A plan started through the service, so week 1's runs and the "started" event exist.

    Pass `today` (the athlete's local date) to pin the schedule; it defaults to their today.
    """

    class Meta:
        model = "plans.Enrollment"

    athlete = factory.SubFactory(UserFactory)
    start_date = None  # the athlete's today
    weekdays = (0, 2, 4)
    cap = Decimal("0.10")
    today = None

    @classmethod
    def _create(cls, model_class, *, athlete, start_date, weekdays, cap, today, **kwargs):
        from plans.services import enrollment_start, local_today

        today = today or local_today(athlete)
        return enrollment_start(
            athlete=athlete,
            start_date=start_date or today,
            weekdays=weekdays,
            cap=cap,
            today=today,
        )


# --- Symptoms ---------------------------------------------------------------------------------


class HealthDataConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "symptoms.HealthDataConsent"

    athlete = factory.SubFactory(UserFactory)


class PainLogFactory(factory.django.DjangoModelFactory):
    """A log saved through the service, so its verdict is applied to the plan.

    Give `run` (a done run) for a run log, or only `athlete` for a check-in. Consent is given
    first. Any PainReport field, `where`, `note` or `now` may be passed.
    """

    class Meta:
        model = "symptoms.PainLog"

    athlete = None
    run = None
    pain = 0

    @classmethod
    def _create(cls, model_class, *, athlete, run, **fields):
        from symptoms.services import consent_give, pain_log_record

        athlete = athlete or (run.enrollment.athlete if run is not None else UserFactory())
        consent_give(athlete=athlete)
        return pain_log_record(athlete=athlete, run=run, **fields)


# --- Coaching ---------------------------------------------------------------------------------


class CoachNoteFactory(factory.django.DjangoModelFactory):
    """A coach's private note about an athlete in one of the coach's groups."""

    class Meta:
        model = "coaching.CoachNote"
        skip_postgeneration_save = True

    coach = factory.SubFactory(CoachFactory)
    athlete = factory.SubFactory(UserFactory)
    body = factory.Faker("sentence")

    @factory.post_generation
    def member(obj, create, extracted, **kwargs):
        # Unless told otherwise (member=False), the athlete is in one of the coach's groups.
        if create and extracted is not False:
            group = GroupFactory(coach=obj.coach)
            MembershipFactory(group=group, athlete=obj.athlete)
