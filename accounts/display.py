"""Reader display settings: font size, font, line spacing, text width and theme.

Readers keep them on their account row; guests in a signed cookie. Either way they become
CSS custom properties on <html>, so the first paint already has them.
"""

import json
from dataclasses import asdict, dataclass
from decimal import Decimal

from django import forms
from django.conf import settings as django_settings

from accounts.models import ReadingFont, Theme

COOKIE = "display"
COOKIE_SALT = "accounts.display"
COOKIE_MAX_AGE = 365 * 24 * 60 * 60

# Every choice lies inside the Reader table's check constraints (font size 50-300,
# line spacing 1-3, width 20-120).
FONT_SIZES = [(size, f"{size}%") for size in range(80, 201, 10)]
LINE_SPACINGS = [(Decimal(f"{n / 10:.2f}"), f"{n / 10:.1f}") for n in range(12, 25, 2)]
FULL_WIDTH = 120  # wider than any page's column, so the text fills it
# Widths are in em (--reading-width), and a line of English holds about two characters to
# the em (1.8 to 2.2 with the fonts readers get): each is labelled with twice as many.
TEXT_WIDTHS = [
    (width, f"About {5 * round(width * 2 / 5)} characters")
    for width in (30, 34, 38, 42, 46, 50, 60, 70, 80)
] + [(FULL_WIDTH, "Full width")]
# Keep in step with --reading-font-size on :root in static/css/archive.css.
BASE_FONT_SIZE_REM = Decimal("1.125")
FONT_STACKS = {
    ReadingFont.SERIF: "var(--font-serif)",
    ReadingFont.SANS: "var(--font-ui)",
    ReadingFont.READABLE: "var(--font-readable)",
}


@dataclass(frozen=True)
class DisplaySettings:
    font_size: int = 100
    font: str = ReadingFont.SERIF
    line_spacing: Decimal = Decimal("1.60")
    text_width: int = 38
    theme: str = Theme.SYSTEM

    @classmethod
    def of_reader(cls, reader):
        values = {name: getattr(reader, name) for name in FIELDS}
        # A reader created in this request still holds the model's float default.
        values["line_spacing"] = Decimal(str(values["line_spacing"]))
        return cls(**values)

    @property
    def style(self):
        """The custom properties that differ from the stylesheet's defaults, for <html style>."""
        rules = []
        if self.font_size != DEFAULTS.font_size:
            size = BASE_FONT_SIZE_REM * self.font_size / 100
            rules.append(f"--reading-font-size: {size.normalize():f}rem")
        if self.font != DEFAULTS.font:
            rules.append(f"--reading-font: {FONT_STACKS[self.font]}")
        if self.line_spacing != DEFAULTS.line_spacing:
            rules.append(f"--reading-line-height: {self.line_spacing.normalize():f}")
        if self.text_width != DEFAULTS.text_width:
            rules.append(f"--reading-width: {self.text_width}em")
        return "; ".join(rules)

    @property
    def data_theme(self):
        """The value for <html data-theme>, or "" to follow the system."""
        return "" if self.theme == Theme.SYSTEM else self.theme

    @property
    def color_scheme(self):
        return {Theme.SYSTEM: "light dark", Theme.DARK: "dark"}.get(self.theme, "light")


FIELDS = list(DisplaySettings.__dataclass_fields__)
DEFAULTS = DisplaySettings()


class DisplaySettingsForm(forms.Form):
    font_size = forms.TypedChoiceField(label="Text size", choices=FONT_SIZES, coerce=int)
    font = forms.ChoiceField(choices=ReadingFont.choices)
    line_spacing = forms.TypedChoiceField(choices=LINE_SPACINGS, coerce=Decimal)
    text_width = forms.TypedChoiceField(
        label="Line length",
        choices=TEXT_WIDTHS,
        coerce=int,
        help_text="Roughly this many characters to a line, depending on the font; narrower "
        "screens use their width.",
    )
    theme = forms.ChoiceField(label="Colours", choices=Theme.choices)

    def __init__(self, *args, current=DEFAULTS, **kwargs):
        initial = asdict(current)
        # Match the choices' spelling ("1.60"), whatever precision the value came with.
        initial["line_spacing"] = f"{Decimal(initial['line_spacing']):.2f}"
        super().__init__(*args, initial=initial, **kwargs)

    def settings(self):
        return DisplaySettings(**self.cleaned_data)


def for_request(request):
    """The settings to show this request with: the reader's own, or the guest's cookie."""
    # A request refused before AuthenticationMiddleware (a bad Host header) has no user.
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return DisplaySettings.of_reader(user)
    return from_cookie(request.get_signed_cookie(COOKIE, default=None, salt=COOKIE_SALT))


def from_cookie(value):
    """Parse a guest's (signature-checked) cookie strictly: anything unexpected gives the
    defaults."""
    try:
        data = json.loads(value or "{}")
    except (ValueError, RecursionError):
        return DEFAULTS
    if not isinstance(data, dict) or set(data) != set(FIELDS):
        return DEFAULTS
    form = DisplaySettingsForm(data)
    return form.settings() if form.is_valid() else DEFAULTS


def save_for_reader(*, reader, settings):
    for name in FIELDS:
        setattr(reader, name, getattr(settings, name))
    reader.save(update_fields=FIELDS)


def save_in_cookie(response, settings):
    data = {name: str(value) for name, value in asdict(settings).items()}
    response.set_signed_cookie(
        COOKIE,
        json.dumps(data, separators=(",", ":")),
        salt=COOKIE_SALT,
        max_age=COOKIE_MAX_AGE,
        secure=django_settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
