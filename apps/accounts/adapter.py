from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """No open self-registration: employees are created by administrators and guests
    arrive through an invitation (which opens signup for its own session)."""

    def is_open_for_signup(self, request) -> bool:
        return False
