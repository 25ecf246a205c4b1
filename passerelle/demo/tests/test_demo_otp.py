"""The demo accounts' two-factor device: one published secret, demo only."""

import re
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from passerelle.accounts.models import User
from passerelle.accounts.twofactor import needs_two_factor
from passerelle.demo import loader, otp


@pytest.fixture
def demo_users(db):
    out = StringIO()
    with translation.override("en"):
        call_command("load_demo", incidents=0, stdout=out)
    return out.getvalue()


def test_the_secret_is_valid_base32_of_twenty_bytes():
    assert len(bytes.fromhex(otp.demo_key_hex())) == 20
    assert re.fullmatch(r"\d{6}", otp.demo_code())


def test_every_demo_user_who_needs_it_gets_the_demo_device(demo_users):
    users = list(User.objects.filter(username__in=[u for u, _a, _r in loader.USERS]))
    needing = otp.usernames_needing_code(loader.USERS)
    assert {"drc.monitor", "drc.admin", "sysadmin"} <= needing
    assert "drc.viewer" not in needing
    for user in users:
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
        assert needs_two_factor(user) is (user.username in needing)
        if user.username in needing:
            (device,) = devices
            assert device.key == otp.demo_key_hex()
        else:
            assert not devices.exists()
    device = TOTPDevice.objects.get(user__username="drc.monitor")
    assert device.verify_token(otp.demo_code())


def test_loading_again_adds_no_device_and_spares_ones_own(demo_users):
    user = User.objects.get(username="drc.verifier")
    TOTPDevice.objects.filter(user=user).delete()
    own = TOTPDevice.objects.create(user=user, name="my phone", confirmed=True)
    before = TOTPDevice.objects.count()
    call_command("load_demo", incidents=0, stdout=StringIO())
    assert TOTPDevice.objects.count() == before
    assert list(TOTPDevice.objects.filter(user=user)) == [own]


def test_the_logins_print_out_explains_the_code(demo_users):
    assert otp.DEMO_TOTP_SECRET in demo_users
    assert "make demo-code" in demo_users
    line = next(row for row in demo_users.splitlines() if row.startswith("drc.monitor "))
    assert line.rstrip().endswith("yes")
    line = next(row for row in demo_users.splitlines() if row.startswith("drc.viewer "))
    assert not line.rstrip().endswith("yes")


def test_demo_code_prints_the_current_code():
    out = StringIO()
    before = otp.demo_code()
    call_command("demo_code", stdout=out, stderr=StringIO())
    assert out.getvalue().split()[-1] in {before, otp.demo_code()}


def test_nothing_of_it_runs_in_production(settings, db):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("demo_code", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("load_demo", incidents=0, stdout=StringIO())
    with pytest.raises(ImproperlyConfigured):
        otp.ensure_demo_devices([])
    assert not User.objects.exists()
