import pytest

from carnet.referrals.models import Status
from carnet.referrals.selectors import shared_subject_for
from carnet.referrals.services import referral_accept, referral_acknowledge, referral_request_information, referral_provide_information
from tests.referrals.factories import sent_referral

pytestmark = pytest.mark.django_db


def test_journey(demo_users):
    referral = sent_referral(demo_users)
    assert referral.status == Status.SENT
    message = shared_subject_for(actor=demo_users["ncp-lt"], referral=referral)
    assert message.subject.given_names == "Testa"
    assert message.subject.return_plan.receiving_country == "LT"
    referral_acknowledge(actor=demo_users["ncp-lt"], referral=referral)
    referral_request_information(actor=demo_users["ncp-lt"], referral=referral, question="School?")
    referral_provide_information(actor=demo_users["caseworker-se"], referral=referral, answer="Grade 7")
    accepted = referral_accept(actor=demo_users["ncp-lt"], referral=referral, assign_to="caseworker-lt")
    assert accepted.receiving_case.country.code == "LT"
    assert accepted.status == Status.ACCEPTED
