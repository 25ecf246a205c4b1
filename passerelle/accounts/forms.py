from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The user name or password is not right. After 5 failed attempts the account "
            "is locked for 30 minutes."
        ),
    }


class CodeForm(forms.Form):
    """One code: six digits from the authenticator app, or a backup code when allowed."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args, backup_allowed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = (
            _("The six digits shown by your authenticator app, or one of your backup codes.")
            if backup_allowed
            else _("The six digits shown by your authenticator app.")
        )
        if backup_allowed:
            self.fields["code"].widget.attrs["inputmode"] = "text"
