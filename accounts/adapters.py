from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are issued by the programme office; self-registration opens with the
    assistant sign-up (accounts issue), which has its own form."""

    def is_open_for_signup(self, request):
        return False
