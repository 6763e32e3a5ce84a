"""People: one account per email address."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("an account needs an email address")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class ProgrammeRole(models.TextChoices):
    """Programme-wide roles (domain.md §2); alliance roles live with the alliance."""

    NONE = "", _("None")
    OFFICE = "office", _("Programme office")
    VIEWER = "viewer", _("Department viewer")
    REVIEWER = "reviewer", _("Site-visit reviewer")


class User(AbstractBaseUser, PermissionsMixin):
    """An account; the email address is the login.

    `programme_role` is the programme-wide role; per-alliance roles (PI, co-PI, assistant)
    are separate records, so one person may hold several.
    """

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=[("zh-hant", "繁體中文"), ("en", "English")],
        default="zh-hant",
    )
    programme_role = models.CharField(
        _("programme role"), max_length=10, choices=ProgrammeRole.choices, blank=True, default=""
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("Django admin access"),
        default=False,
        help_text=_("Technical administrators only; programme roles are separate."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self):
        return self.name or self.email

    @property
    def is_office(self) -> bool:
        return self.is_active and self.programme_role == ProgrammeRole.OFFICE

    def get_full_name(self):
        return self.name or self.email

    def get_short_name(self):
        return self.name or self.email


class ApiToken(models.Model):
    """A personal token for the read-only API (/api/v1/). The token itself is shown once,
    when it is made; only its SHA-256 is kept, with a short prefix to tell tokens apart. It
    acts as its owner: it sees what the owner sees in the portal, no more."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("owner")
    )
    name = models.CharField(_("what it is for"), max_length=100)
    prefix = models.CharField(_("token begins with"), max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now
