from django.core.management import call_command


def test_authorization_doc_is_generated_from_the_roles_table():
    # Fails (SystemExit) when docs/authorization.md differs from policy/roles.py.
    call_command("authorization_doc", check=True)
