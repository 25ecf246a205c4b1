from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What the token is for, e.g. the tool or the computer that uses it."),
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
        initial=settings.API_TOKEN_DAYS,
    )
    code = forms.CharField(
        label=_("Two-factor code"),
        max_length=32,
        required=False,
        help_text=_(
            "A current code from your authenticator app lets the token read confidential "
            "data (levels 3 and 4) as you may. Without it, it reads levels 0 to 2 only, "
            "unless you entered a code in the last few minutes."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
