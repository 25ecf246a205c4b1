"""Factories for organisations, users and memberships (factory_boy)."""

import factory

from passerelle.accounts.models import Membership, Organisation, User

PASSWORD = "Field-office-2013!"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("acronym",)

    acronym = factory.Sequence(lambda n: f"ORG{n}")
    name = factory.LazyAttribute(lambda o: f"Organisation {o.acronym}")
    type = Organisation.Type.INGO


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Agent{n}")
    last_name = "Test"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(PASSWORD)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.VIEWER


def confirmed_device(user):
    """The user's confirmed TOTP device, created on first use."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def current_code(device, offset: int = 0) -> str:
    """The device's TOTP code now (offset: time steps later or earlier)."""
    import time

    from django_otp.oath import TOTP

    clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    clock.time = time.time() + offset * device.step
    return f"{clock.token():0{device.digits}d}"


def pass_two_factor(client, user) -> None:
    """Mark the client's session as verified by the user's TOTP device, as a login with a
    code does (django_otp.DEVICE_ID_SESSION_KEY), when the user needs two factors."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from passerelle.accounts.twofactor import needs_two_factor

    if not needs_two_factor(user):
        return
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = confirmed_device(user).persistent_id
    session.save()
