"""Password policy, applied whenever a password is set or changed (not at sign-in).

At least 12 characters, not only spaces, not the login (in any case, reversed or with
digits appended), and not one of the passwords every guessing list starts with. The demo
accounts keep `demo12345` in development (tracker/services/demo.py skips the policy, and
`demo load` is refused in production).
"""
from tracker.services import ServiceError

MIN_LENGTH = 12

# The head of the public leaked-password lists (SecLists, "10k most common"), plus the
# Vietnamese favourites; compared case-insensitively, after stripping spaces.
COMMON = frozenset("""
123456 123456789 12345678 password qwerty123 qwerty 1234567 111111 1234567890 123123 abc123 1234 password1
iloveyou 1q2w3e4r 000000 qwertyuiop 123321 654321 666666 987654321 123456a 1qaz2wsx 1q2w3e4r5t 112233 121212
qazwsx 123qwe 7777777 asdfghjkl 555555 88888888 11111111 00000000 12341234 123654 passw0rd p@ssw0rd p@ssword
password123 password1234 admin admin123 admin1234 administrator root toor letmein welcome welcome1 welcome123
changeme change-me changeme123 secret secret123 trustno1 dragon monkey football baseball master superman
qwerty12345 qwertyuiop123 123456789012 1234567890123 111111111111 123123123123 abcdefghijkl abc123456789
matkhau matkhau123 matkhau1234 matkhau12345 matkhau123456 mat-khau matkhaumoi 12345678910 1234567891011
demo12345 demo123456789 vietnam vietnam123 vietnam1234 hanoi123 saigon123 anhyeuem anhyeuem123 emyeuanh
iloveyou123 qwerty123456 zaq12wsx 1qaz2wsx3edc password12345 passwordpassword 123456123456 987654321987
""".split())


def check_password(password: str | None, login: str | None = None) -> None:
    """Raise ServiceError (422, Vietnamese) when `password` breaks the policy."""
    password = password or ""
    if not password.strip():
        raise ServiceError("Mật khẩu không được để trống hoặc chỉ có dấu cách", code="weak_password", status=422)
    if len(password) < MIN_LENGTH:
        raise ServiceError(f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự", code="weak_password", status=422)
    folded = "".join(password.split()).lower()
    if folded in COMMON or len(set(folded)) < 3:
        raise ServiceError("Mật khẩu quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác", code="weak_password",
                           status=422)
    name = (login or "").strip().lower()
    if name and (folded.rstrip("0123456789") in (name, name[::-1]) or folded == name):
        raise ServiceError("Mật khẩu không được giống tên đăng nhập", code="weak_password", status=422)
