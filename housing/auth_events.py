"""Logins, logouts and failed logins go to the log (django-axes also keeps them in the database)."""

import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .client_address import client_ip
from .middleware import note_activity

logger = logging.getLogger("housing.auth")


def _ip(request) -> str:
    """The client's address behind the trusted proxies (the address the lock-out counts)."""
    return (client_ip(request) or "-") if request is not None else "-"


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs) -> None:
    logger.info("login user=%s ip=%s", user.get_username(), _ip(request))
    if request is not None and hasattr(request, "session"):
        # The login is the user's latest request: the idle time counts from it.
        note_activity(request.session)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs) -> None:
    logger.info("logout user=%s ip=%s", user.get_username() if user else "-", _ip(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Only the username Django passes on (passwords are already scrubbed); the log filter
    # redacts anything shaped like a CPR number in case one was typed as a username.
    logger.warning("login failed user=%s ip=%s", credentials.get("username", "-"), _ip(request))
