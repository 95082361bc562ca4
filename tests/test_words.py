"""words.pos_tag is a faster route to underthesea's own pos_tag: it must give the same tags."""
import random

import underthesea

from nscl_extract.rules import old_style
from nscl_extract.text.words import pos_tag, tagged_words

SENTENCES = [
    "Đến năm 2025, hỗ trợ 30 doanh nghiệp nhỏ và vừa áp dụng hệ thống quản lý chất lượng ISO 9001.",
    "Tổ chức 12 lớp tập huấn cho cán bộ quản lý; đào tạo 150 chuyên gia tư vấn năng suất.",
    "UBND TP. Hồ Chí Minh ban hành Kế hoạch số 45/KH-UBND ngày 3/2/2024 về nâng cao năng suất.",
    "Tỷ lệ hộ gia đình sử dụng hàng hoá đạt chuẩn tăng 1.500 hộ so với năm trước",
    "5 cơ sở", "Sở Khoa học và Công nghệ", "", " ", "A", "ABC DEF", "x  y", "Hà Nội\nmới", "(1) 2 3",
]


def _windows():
    rng = random.Random(7)
    text = " ".join(SENTENCES)
    out = list(SENTENCES)
    for _ in range(150):
        a = rng.randrange(len(text))
        out.append(text[a:a + rng.randrange(1, 60)])
    return [old_style(w) for w in out]


def test_pos_tag_equals_underthesea():
    windows = _windows()
    assert [pos_tag(w) for w in windows] == [underthesea.pos_tag(w) for w in windows]


def test_tagged_words_keep_offsets():
    text = "Năm 2024 hỗ trợ 30 doanh nghiệp áp dụng công cụ cải tiến."
    start = text.index("doanh")
    tagged = tagged_words(text, start, len(text))
    assert tagged[0][:2] == (start, start + len("doanh nghiệp"))
    assert tagged[0][2].startswith("N")
    assert all(text[s:e].strip() == text[s:e] for s, e, _ in tagged)
