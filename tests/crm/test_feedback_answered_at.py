"""An answer given earlier than it is recorded (on the phone, in person) is timed from when
it was given, never before the item arrived nor in the future."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.choices import FeedbackStatus
from crm.feedback.services import feedback_acknowledge, feedback_record, feedback_resolve
from crm.models import Feedback
from portrait import roles
from tests.crm.factories import ClientFactory, published_rules


@pytest.fixture
def item(make_user):
    published_rules(make_user(roles.ADMINS))  # open around the clock: a minute is a minute
    owner = make_user(roles.SALES)
    received = timezone.now() - datetime.timedelta(hours=3)
    feedback, _ = feedback_record(
        user=owner,
        data={
            "client": ClientFactory(owner=owner),
            "channel": "email",
            "kind": "question",
            "text": "?",
            "received_at": received,
        },
    )
    return feedback, owner, received


def test_an_answer_given_earlier_is_timed_from_when_it_was_given(item):
    feedback, owner, received = item

    acknowledged = feedback_acknowledge(
        feedback=feedback, user=owner, at=received + datetime.timedelta(minutes=25)
    )
    resolved = feedback_resolve(
        feedback=acknowledged, user=owner, at=received + datetime.timedelta(minutes=90)
    )

    assert (resolved.response_minutes, resolved.resolution_minutes) == (25, 90)
    assert resolved.acknowledged_at == received + datetime.timedelta(minutes=25)
    assert resolved.status == FeedbackStatus.RESOLVED


@pytest.mark.parametrize("offset", [datetime.timedelta(minutes=-1), datetime.timedelta(hours=4)])
def test_no_answer_before_the_item_arrived_or_in_the_future(item, offset):
    feedback, owner, received = item

    with pytest.raises(ValidationError) as refusal:
        feedback_acknowledge(feedback=feedback, user=owner, at=received + offset)

    assert list(refusal.value.message_dict) == ["at"]
    assert Feedback.objects.get().status == FeedbackStatus.OPEN


def test_a_resolution_comes_no_earlier_than_the_first_response(item):
    feedback, owner, received = item
    feedback_acknowledge(feedback=feedback, user=owner, at=received + datetime.timedelta(hours=1))

    with pytest.raises(ValidationError):
        feedback_resolve(feedback=feedback, user=owner, at=received + datetime.timedelta(minutes=5))

    assert Feedback.objects.get().status == FeedbackStatus.ACKNOWLEDGED
