from __future__ import annotations

import secrets

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.timezones import DEFAULT_TIME_ZONE, validate_time_zone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email: str):
        # No address longer than the column matches anyone. Asking would also fail on SQLite,
        # which refuses a LIKE pattern over 50,000 bytes (a 500 at the admin's login).
        if len(email or "") > self.model._meta.get_field("email").max_length:
            raise self.model.DoesNotExist
        return self.get(email__iexact=email)


class User(AbstractUser):
    """A person: logs in by email; an athlete, a coach, or a coach who also follows a plan."""

    class Role(models.TextChoices):
        ATHLETE = "athlete", "Athlete: I want to start running"
        COACH = "coach", "Coach: I look after a group of beginners"

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField("display name", max_length=80)
    time_zone = models.CharField(
        "time zone", max_length=64, default=DEFAULT_TIME_ZONE, validators=[validate_time_zone]
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.ATHLETE)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(
                condition=Q(role__in=["athlete", "coach"]), name="user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    @property
    def is_coach(self) -> bool:
        return self.role == self.Role.COACH

    @property
    def has_verified_email(self) -> bool:
        """Reminders only go to an address its owner has confirmed."""
        from allauth.account.models import EmailAddress

        return EmailAddress.objects.filter(
            user=self, email__iexact=self.email, verified=True
        ).exists()


class TrainingGroup(models.Model):
    """A coach's group of beginners."""

    coach = models.ForeignKey(User, on_delete=models.CASCADE, related_name="coached_groups")
    name = models.CharField(max_length=80)
    created_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "coach",
                Lower("name"),
                condition=Q(archived_at=None),
                name="group_name_unique_per_coach",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Membership(models.Model):
    """An athlete in a coach's group. Leaving deletes the row: the coach then sees nothing."""

    group = models.ForeignKey(TrainingGroup, on_delete=models.CASCADE, related_name="memberships")
    athlete = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint("group", "athlete", name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.athlete} in {self.group}"


def new_invite_token() -> str:
    return secrets.token_urlsafe(24)


class Invite(models.Model):
    """A link that lets anyone holding it join a group, until the coach revokes it."""

    group = models.ForeignKey(TrainingGroup, on_delete=models.CASCADE, related_name="invites")
    token = models.CharField(max_length=64, unique=True, default=new_invite_token)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One live link per group; regenerating revokes the old one first.
            models.UniqueConstraint(
                "group", condition=Q(revoked_at=None), name="invite_one_live_per_group"
            )
        ]

    def __str__(self) -> str:
        return f"Invite to {self.group}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.group.archived_at is None
