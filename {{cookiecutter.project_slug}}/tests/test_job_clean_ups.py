"""The sweep of background jobs also deletes what accounts no longer need: expired refresh tokens and sign-in counts
whose window is over, and nothing else."""

from datetime import timedelta

import httpx2
from celery import Celery
from sqlalchemy import insert, select, update

from {{ cookiecutter.package_name }}.auth.models import RefreshToken, SignInAttempts
from {{ cookiecutter.package_name }}.core.models import utc_now
from {{ cookiecutter.package_name }}.jobs.runner import JobRunner
from {{ cookiecutter.package_name }}.settings import Settings

from .auth import PASSWORD, register, token
from .jobs import read_rows, run_sql


def test_the_sweep_deletes_expired_refresh_tokens_and_sign_in_counts(
    anonymous_client: httpx2.Client, settings: Settings, broker: Celery
) -> None:
    register(anonymous_client, "ada@example.com")
    for _ in range(2):
        assert token(anonymous_client, "ada@example.com", PASSWORD)["refresh_token"]
    [(expired_token,), (live_token,)] = read_rows(settings, select(RefreshToken.id).order_by(RefreshToken.id))
    hour = timedelta(hours=1)
    run_sql(
        settings,
        update(RefreshToken).where(RefreshToken.id == expired_token).values(expires_at=utc_now() - hour),
        insert(SignInAttempts).values(key="over", attempts=3, window_ends=utc_now() - hour),
        insert(SignInAttempts).values(key="current", attempts=3, window_ends=utc_now() + hour),
    )

    runner = JobRunner(settings)
    try:
        runner.sweep(broker)
    finally:
        runner.close()

    assert read_rows(settings, select(RefreshToken.id)) == [(live_token,)]
    assert read_rows(settings, select(SignInAttempts.key).where(SignInAttempts.key.in_(["over", "current"]))) == [
        ("current",)
    ]
