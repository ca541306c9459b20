"""Django settings for the audited example URLconf (``django_urls``)."""

ROOT_URLCONF = "examples.audit.django_urls"
SECRET_KEY = "only-for-the-example"  # noqa: S105 - not a secret: an example's settings
ALLOWED_HOSTS = ["localhost"]
INSTALLED_APPS: list[str] = []
