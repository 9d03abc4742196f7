from jiceng.development.conftest import open_applicant, walk


def test_walk(dev):
    f = open_applicant(dev)
    f = walk(dev, f, 25)
    assert f.status == "completed"
    assert f.member.status == "full"
    assert str(f.member.full_date) == "2025-06-01"
    assert str(f.member.join_date) == "2024-06-01"
