"""The sign-in throttle's steps, on the counters of ``core.counting``: admit an attempt, settle it after a success."""

from ..core.counting import Counter
from ..core.models import utc_now
from .throttle import Attempt, refusal


async def admit(counter: Counter, attempt: Attempt) -> None:
    """Count the attempt, counter by counter; refuse it with 429 at the first that is over its limit."""
    await counter.purge()
    for key, limit in attempt.limits.items():
        attempts, window_ends = await counter.count(key, attempt.window)
        if error := refusal(attempts, window_ends, limit, utc_now()):
            raise error


async def settle(counter: Counter, attempt: Attempt) -> None:
    """After a success: forget what the attempt asks to be forgotten, and give its other attempts back."""
    for key in attempt.forgotten_on_success:
        await counter.forget(key)
    for key in attempt.given_back_on_success:
        await counter.take_back(key)
