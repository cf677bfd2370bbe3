"""Accounts and their sessions, on the request's database session."""

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..core import database
from ..core.access import AuthenticationError
from ..core.counting import Counter
from ..core.fields import PageQuery
from ..core.models import utc_now
from ..core.principals import Principal, Role
from ..mail.outbox import new_message
from ..settings import Settings
from .attempts import admit, settle
from .authority import Authority
from .errors import (
    INVALID_CREDENTIALS,
    INVALID_REFRESH_TOKEN,
    UNVERIFIED_EMAIL,
    EmailTakenError,
    InvalidLinkError,
    OAuthError,
    OwnAccountError,
    UserNotFoundError,
    WeakPasswordError,
    WrongPasswordError,
)
from .messages import email_verification, password_reset, registration_attempt, sender_domain
from .models import User
from .passwords import password_problem
from .queries import (
    EMAIL_VERIFICATION,
    PASSWORD_RESET,
    active_role,
    delete_owned_rows,
    is_email_taken,
    is_spent,
    mark_used,
    new_link_token,
    new_session_token,
    new_user,
    purge_expired_tokens,
    refresh_token_by_value,
    retire_link_tokens,
    revoke_every_session,
    revoke_family,
    usable_link_token,
    user_by_email,
    users_count,
    users_page,
)
from .schemas import PasswordChange, TokenResponse, UserUpdate
from .settings import AuthSettings
from .throttle import Attempt
from .tokens import InvalidTokenError


def create_user(session: Session, authority: Authority, email: str, password: str, role: Role) -> User:
    """An account that an operator creates, its address taken as verified."""
    user = new_user(email, authority.passwords.hash(password), role, verified=True)
    session.add(user)
    try:
        session.commit()
    except IntegrityError as error:
        session.rollback()
        if is_email_taken(error):
            raise EmailTakenError() from None
        raise
    return user


def register(session: Session, authority: Authority, email: str, password: str) -> User | None:
    """A new member account, with its verification link mailed unless verification is off.

    When verification is required, a taken address gets a mail that tells its owner instead of a 409, and the
    answer is None either way: the caller cannot tell the two apart, by the answer or by its time (the password is
    hashed in both cases).
    """
    settings = authority.settings
    user = new_user(email, authority.passwords.hash(password))
    session.add(user)
    try:
        session.flush()
    except IntegrityError as error:
        session.rollback()
        if not is_email_taken(error):
            raise
        if settings.email_verification != "required":
            raise EmailTakenError() from None
        session.add(new_message(registration_attempt(settings, email), sender_domain(settings)))
        session.commit()
        return None
    if settings.email_verification != "off":
        _mail_verification_link(session, settings, user)
    session.commit()
    return None if settings.email_verification == "required" else user


def request_password_reset(session: Session, authority: Authority, email: str) -> None:
    """Mail a password-reset link to the active account of this address; nothing for any other address."""
    settings = authority.settings
    user = session.scalars(user_by_email(email)).first()
    if user is None or not user.is_active:
        return
    session.execute(retire_link_tokens(user.id, PASSWORD_RESET, utc_now()))
    token, row = new_link_token(user.id, PASSWORD_RESET, timedelta(minutes=settings.password_reset_minutes))
    session.add(row)
    session.add(new_message(password_reset(settings, user.email, token), sender_domain(settings)))
    session.commit()


def reset_password(session: Session, authority: Authority, token: str, new_password: str) -> None:
    """Set the password of a reset link's account, once; every session of the account ends, and its address counts
    as verified, since the link reached it."""
    now = utc_now()
    row = session.scalars(usable_link_token(token, PASSWORD_RESET, now)).first()
    user = session.get(User, row.user_id) if row is not None else None
    if row is None or user is None or not user.is_active:
        raise InvalidLinkError()
    if problem := password_problem(new_password, user.email):
        raise WeakPasswordError(f"The new password is refused: {problem}.")
    if session.execute(mark_used(row, now)).first() is None:
        session.rollback()
        raise InvalidLinkError()
    user.password_hash = authority.passwords.hash(new_password)
    user.email_verified_at = user.email_verified_at or now
    _end_every_session(session, user)
    session.commit()


def request_verification(session: Session, authority: Authority, email: str) -> None:
    """Mail a new verification link to the active, unverified account of this address; nothing otherwise."""
    user = session.scalars(user_by_email(email)).first()
    if user is None or not user.is_active or user.email_verified:
        return
    _mail_verification_link(session, authority.settings, user)
    session.commit()


def verify_email(session: Session, token: str) -> None:
    """Mark the address of a verification link's account verified, once."""
    now = utc_now()
    row = session.scalars(usable_link_token(token, EMAIL_VERIFICATION, now)).first()
    user = session.get(User, row.user_id) if row is not None else None
    if row is None or user is None or session.execute(mark_used(row, now)).first() is None:
        session.rollback()
        raise InvalidLinkError()
    user.email_verified_at = user.email_verified_at or now
    session.commit()


def _mail_verification_link(session: Session, settings: AuthSettings, user: User) -> None:
    session.execute(retire_link_tokens(user.id, EMAIL_VERIFICATION, utc_now()))
    token, row = new_link_token(user.id, EMAIL_VERIFICATION, timedelta(hours=settings.email_verification_hours))
    session.add(row)
    session.add(new_message(email_verification(settings, user.email, token), sender_domain(settings)))


def make_admin(settings: Settings, email: str, password: str) -> bool:
    """Create an admin account, or make the account of this e-mail address an admin; whether it was created."""
    engine = database.create_engine(settings)
    try:
        with Session(engine, expire_on_commit=False) as session:
            user = session.scalars(user_by_email(email)).first()
            if user is not None:
                user.role = Role.ADMIN
                session.commit()
                return False
            create_user(session, Authority(settings), email, password, Role.ADMIN)
            return True
    finally:
        engine.dispose()


def authenticate(session: Session, authority: Authority, token: str) -> Principal:
    """The principal an access token stands for, while their account is active and their password unchanged."""
    try:
        claims = authority.tokens.check(token)
    except InvalidTokenError as error:
        raise AuthenticationError(f"The access token is invalid: {error}.", token_refused=True) from None
    role = session.execute(active_role(int(claims.subject), claims.version)).scalar_one_or_none()
    if role is None:
        raise AuthenticationError("The access token no longer stands for an active account.", token_refused=True)
    return Principal(subject=claims.subject, role=role)


def get_user(session: Session, principal: Principal) -> User:
    user = session.get(User, int(principal.subject))
    if user is None:
        raise AuthenticationError("The account no longer exists.", token_refused=True)
    return user


def list_users(session: Session, query: PageQuery) -> tuple[list[User], int]:
    users = session.scalars(users_page(query)).all()
    total = session.execute(users_count()).scalar_one()
    return list(users), total


def find_user(session: Session, principal: Principal, user_id: int) -> User:
    """An account the principal may see: an admin any, a member only their own."""
    user = session.get(User, user_id)
    if user is None or not (principal.is_admin or principal.subject == str(user_id)):
        raise UserNotFoundError(user_id)
    return user


def update_user(session: Session, admin: Principal, user_id: int, change: UserUpdate) -> User:
    """Change an account's role or active flag, from the account's next request on; a deactivation ends every
    session, and a later reactivation revives none."""
    user = find_user(session, admin, user_id)
    if admin.subject == str(user_id):
        raise OwnAccountError()
    if change.is_active is False and user.is_active:
        _end_every_session(session, user)
    for field in change.model_fields_set:
        setattr(user, field, getattr(change, field))
    session.commit()
    return user


def password_grant(session: Session, authority: Authority, email: str, password: str) -> TokenResponse:
    """Tokens for the owner of an e-mail address and password (RFC 6749, section 4.3)."""
    user = signing_in_user(session, authority, email, password)
    return _issue(session, authority, user, family=None)


def signing_in_user(session: Session, authority: Authority, email: str, password: str) -> User:
    """The active account of an e-mail address and password, which may sign in; a hash of an older cost is
    replaced, for the caller to commit."""
    user = session.scalars(user_by_email(email)).first()
    matches, new_hash = authority.passwords.verify(password, user.password_hash if user else None)
    if user is None or not matches or not user.is_active:
        raise OAuthError("invalid_grant", INVALID_CREDENTIALS)
    if authority.settings.email_verification == "required" and not user.email_verified:
        raise OAuthError("invalid_grant", UNVERIFIED_EMAIL)
    if new_hash is not None:
        user.password_hash = new_hash
    return user


def refresh_grant(session: Session, authority: Authority, refresh_token: str) -> TokenResponse:
    """Exchange a refresh token for new tokens; a token used twice ends its whole family (RFC 9700, 4.14.2)."""
    now = utc_now()
    row = session.scalars(refresh_token_by_value(refresh_token)).first()
    if row is None or is_spent(row, now):
        raise OAuthError("invalid_grant", INVALID_REFRESH_TOKEN)
    if session.execute(mark_used(row, now)).first() is None:
        session.execute(revoke_family(row.family, now))
        session.commit()
        raise OAuthError("invalid_grant", INVALID_REFRESH_TOKEN)
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        session.rollback()
        raise OAuthError("invalid_grant", INVALID_REFRESH_TOKEN)
    return _issue(session, authority, user, family=row.family)


def revoke(session: Session, token: str) -> None:
    """End the session of a refresh token; any other token is ignored, as RFC 7009 asks."""
    row = session.scalars(refresh_token_by_value(token)).first()
    if row is not None:
        session.execute(revoke_family(row.family, utc_now()))
        session.commit()


def change_password(
    session: Session,
    authority: Authority,
    counter: Counter,
    principal: Principal,
    change: PasswordChange,
    address: str,
) -> None:
    """Set a new password; every token issued before, access or refresh, stops working."""
    user = get_user(session, principal)
    check_password(authority, counter, user, change.current_password, address)
    if problem := password_problem(change.new_password, user.email):
        raise WeakPasswordError(f"The new password is refused: {problem}.")
    user.password_hash = authority.passwords.hash(change.new_password)
    _end_every_session(session, user)
    session.commit()


def delete_own_account(
    session: Session, authority: Authority, counter: Counter, principal: Principal, password: str, address: str
) -> None:
    """Delete the principal's account, once they have given its password."""
    user = get_user(session, principal)
    check_password(authority, counter, user, password, address)
    _delete(session, user)


def delete_user(session: Session, admin: Principal, user_id: int) -> None:
    """Delete another account (admins only)."""
    user = find_user(session, admin, user_id)
    if admin.subject == str(user_id):
        raise OwnAccountError()
    _delete(session, user)


def check_password(authority: Authority, counter: Counter, user: User, password: str, address: str) -> None:
    """The account's current password, before a change or a deletion, checked under the limits of a sign-in."""
    attempt = Attempt.password_check(authority.settings, user.email, address)
    admit(counter, attempt)
    matches, _ = authority.passwords.verify(password, user.password_hash)
    if not matches:
        raise WrongPasswordError()
    settle(counter, attempt)


def _delete(session: Session, user: User) -> None:
    """Delete an account with every row it owns in any feature's tables; its refresh tokens go with it (the
    foreign key cascades), and its access tokens name an account that no longer exists."""
    for statement in delete_owned_rows(str(user.id)):
        session.execute(statement)
    session.delete(user)
    session.commit()


def _end_every_session(session: Session, user: User) -> None:
    """Refuse every token issued so far: access tokens by their credentials version, refresh tokens by revocation."""
    user.credentials_version += 1
    session.execute(revoke_every_session(user.id, utc_now()))


def _issue(session: Session, authority: Authority, user: User, family: str | None) -> TokenResponse:
    refresh_token, row = new_session_token(user.id, authority.settings.refresh_token_days, family)
    session.add(row)
    # Each token issued clears out a batch of expired ones.
    for statement in purge_expired_tokens(utc_now()):
        session.execute(statement)
    session.commit()
    return TokenResponse(
        access_token=authority.tokens.issue(str(user.id), user.credentials_version),
        expires_in=authority.tokens.lifetime,
        refresh_token=refresh_token,
    )
