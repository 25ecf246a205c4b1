from django.contrib.auth import views as auth_views

from passerelle import policy

from .forms import LoginForm

login = policy.public(
    auth_views.LoginView.as_view(
        template_name="accounts/login.html",
        authentication_form=LoginForm,
        redirect_authenticated_user=True,
    )
)
logout = policy.public(auth_views.LogoutView.as_view())
