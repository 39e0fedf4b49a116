"""The archive's closed vocabularies: ratings, archive warnings, categories, tag kinds."""

from django.db import models


class Rating(models.TextChoices):
    GENERAL = "general", "General Audiences"
    TEEN = "teen", "Teen And Up Audiences"
    MATURE = "mature", "Mature"
    EXPLICIT = "explicit", "Explicit"
    NOT_RATED = "not-rated", "Not Rated"


class ArchiveWarning(models.TextChoices):
    CHOSE_NOT_TO_WARN = "choose-not-to-warn", "Creator Chose Not To Use Archive Warnings"
    GRAPHIC_VIOLENCE = "graphic-violence", "Graphic Depictions Of Violence"
    MAJOR_CHARACTER_DEATH = "major-character-death", "Major Character Death"
    NO_WARNINGS = "no-warnings", "No Archive Warnings Apply"
    NON_CON = "non-con", "Rape/Non-Con"
    UNDERAGE = "underage", "Underage Sex"


class Category(models.TextChoices):
    FF = "f/f", "F/F"
    FM = "f/m", "F/M"
    GEN = "gen", "Gen"
    MM = "m/m", "M/M"
    MULTI = "multi", "Multi"
    OTHER = "other", "Other"


class TagKind(models.TextChoices):
    FANDOM = "fandom", "Fandom"
    RELATIONSHIP = "relationship", "Relationship"
    CHARACTER = "character", "Character"
    ADDITIONAL = "additional", "Additional Tags"


class ConsentItem(models.TextChoices):
    """Everything a reader may be asked to agree to before a work's text is shown."""

    MATURE = "rating:mature", "Mature rating"
    EXPLICIT = "rating:explicit", "Explicit rating"
    NOT_RATED = "rating:not-rated", "Not Rated (could be anything)"
    CHOSE_NOT_TO_WARN = (
        "warning:choose-not-to-warn",
        "Creator Chose Not To Use Archive Warnings (could be anything)",
    )
    GRAPHIC_VIOLENCE = "warning:graphic-violence", "Graphic Depictions Of Violence"
    MAJOR_CHARACTER_DEATH = "warning:major-character-death", "Major Character Death"
    NON_CON = "warning:non-con", "Rape/Non-Con"
    UNDERAGE = "warning:underage", "Underage Sex"


class UngatedItem(models.TextChoices):
    """Ratings and warnings that need no agreement: a reader may still hide their works."""

    GENERAL = "rating:general", "General Audiences rating"
    TEEN = "rating:teen", "Teen And Up Audiences rating"
    NO_WARNINGS = "warning:no-warnings", "No Archive Warnings Apply"


# Everything a reader keeps a standing choice for.
STANDING_ITEMS = [*ConsentItem.choices, *UngatedItem.choices]


# A rating or a warning as an item (what a standing choice or an agreement names):
# "rating:<Rating value>" or "warning:<ArchiveWarning value>". Only these functions build
# or read that form.
def rating_item(rating):
    return f"rating:{rating}"


def warning_item(warning):
    return f"warning:{warning}"


def items_of(rating, warnings):
    """The items naming a work's rating and each of its warnings."""
    return [rating_item(rating), *(warning_item(warning) for warning in warnings)]


def ratings_and_warnings(items):
    """The rating values and the warning values these items name, in the items' order."""
    named = {"rating": [], "warning": []}
    for item in items:
        kind, value = item.split(":", 1)
        named[kind].append(value)
    return named["rating"], named["warning"]


# Every rating's item and every warning's, in vocabulary order, as DESIGN.md lists them.
RATING_ITEMS = [rating_item(rating) for rating in Rating.values]
WARNING_ITEMS = [warning_item(warning) for warning in ArchiveWarning.values]


class StandingChoice(models.TextChoices):
    SHOW = "show", "Show without asking"
    ASK = "ask", "Ask each time"
    HIDE = "hide", "Hide such works from my lists"
