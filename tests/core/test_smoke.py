import pytest

pytestmark = pytest.mark.django_db


def test_home_lists_the_five_priorities_in_russian(client):
    # given the seeded reference data; when a visitor opens the Russian home page
    response = client.get("/ru/")
    # then the page is Russian and names the priorities
    assert response.status_code == 200
    assert 'lang="ru"' in response.content.decode()
    assert "Несопровождаемые дети и дети — жертвы торговли людьми" in response.content.decode()
