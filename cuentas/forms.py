from allauth.account.forms import LoginForm


class FormularioEntrar(LoginForm):
    """allauth's login form, its ``login`` field posted and shown as ``username``.

    The shop's login form has always posted ``username`` and ``password`` (bookmarked
    password managers, scripts and the tests' login helpers rely on it); allauth names
    the field ``login``. Only the HTML name changes: the form's field, its cleaning and
    its errors stay allauth's.
    """

    def add_prefix(self, field_name: str) -> str:
        return super().add_prefix("username" if field_name == "login" else field_name)
