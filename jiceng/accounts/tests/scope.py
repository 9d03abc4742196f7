"""Rows of the outsider walk for accounts: the walker (town A's admin) must not reach town B's
accounts — no password reset, no token revocation, not even the form."""


def setup(county):
    from rest_framework.authtoken.models import Token

    from jiceng.accounts.models import User

    victim = User.objects.create_user(
        "secretary-b", password="Secret-pass-1", organization=county.branch_b, role="branch_secretary"
    )
    Token.objects.create(user=victim)
    return {"victim_user": victim.pk}


def samples(county, victim):
    return {
        "accounts:login": {},
        "accounts:logout": {},
        "accounts:account": {},
        "accounts:password_change": {},
        "accounts:token_revoke": {},
        "accounts:users": {},
        "accounts:user_password": {"pk": victim["victim_user"]},
        "accounts:user_token_revoke": {"pk": victim["victim_user"]},
    }


QUERIES = {"accounts:users": "?q=secretary-b"}
POSTS = {
    "accounts:user_password": {"new_password1": "Walker-set-99", "new_password2": "Walker-set-99"},
}
ANONYMOUS_OPEN = {"accounts:login"}


def invariants(county):
    from rest_framework.authtoken.models import Token

    from jiceng.accounts.models import User

    victim = User.objects.get(username="secretary-b")
    return victim.password, Token.objects.filter(user=victim).count()
