import datetime

import pytest
import time_machine

#: The clock of tests that record feedback at fixed moments of a week in March 2027 (its
#: calendar's Friday afternoon and Monday morning): just after the last of them, so each
#: was received in the past, and before the delays' new dates in April.
AFTER_THE_FIXED_MOMENTS = datetime.datetime(2027, 3, 8, 8, 5, tzinfo=datetime.UTC)


@pytest.fixture
def after_the_fixed_moments():
    with time_machine.travel(AFTER_THE_FIXED_MOMENTS, tick=True):
        yield
