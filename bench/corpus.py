"""A synthetic archive for benchmarks: realistic shapes, and the same corpus for the same seed.

Tags of each kind are drawn from Zipf-like distributions over pools that grow with the corpus;
characters and relationships belong to fandoms, so tags co-occur the way they do on a real
archive. Chapter text is English-like prose made from a fixed word list.

Work lengths come in two shapes. The default one (a few hundred words a chapter, about three
chapters a work) keeps a corpus quick to make and the same as it always was for a seed;
`lengths="ao3"` gives works the lengths of a real archive's (see AO3_LENGTH), so search,
downloads and chapter pages are measured on text of real size.
"""

import bisect
import datetime
import itertools
import math
import random
import re
from contextlib import nullcontext

from django.db import connection, transaction

from accounts.models import Reader
from archive.models import Bookmark, Chapter, Kudos, Tag, TaggedWork, Work, WorkWarning
from archive.vocabulary import ArchiveWarning, Category, Rating, TagKind
from archive.writing import derived
from archive.writing.words import count_words

# Every generated work's creator name and every generated reader's username starts with
# this, so the corpus can be told apart from real works and is never generated twice.
PREFIX = "corpus-"
READER_PREFIX = f"{PREFIX}reader-"
# Dates are spread over the ten years before a fixed day, so a seed always gives the same corpus.
LAST_DAY = datetime.date(2026, 1, 1)
YEARS = 10

# Pool sizes at 100,000 works. Other sizes scale sublinearly, since new works mostly reuse
# tags that exist already; the minimums keep a tiny corpus's tags co-occurring.
POOL_AT_100K = {
    TagKind.FANDOM: 300,
    TagKind.RELATIONSHIP: 5000,
    TagKind.CHARACTER: 3000,
    TagKind.ADDITIONAL: 8000,
}
POOL_MINIMUM = {
    TagKind.FANDOM: 3,
    TagKind.RELATIONSHIP: 10,
    TagKind.CHARACTER: 10,
    TagKind.ADDITIONAL: 20,
}
# Share of relationship, character and additional tags that get a synonym, and how often a
# work uses the synonym instead of its canonical tag.
SYNONYM_SHARE = 0.03
SYNONYM_USE = 0.2
SENTENCE_POOL = 8192
# A word the benchmark searches for: a noun of middling rank, so it is in about a third of
# the works (nouns are drawn by rank, and the first ones are in nearly every chapter).
SEARCH_WORD = "lantern"

# Work lengths like AO3's: a log-normal with a median near 3,000 words and a mean near
# 11,500 (AO3's published figures), so most works are short, about 3 in 100 are drabbles
# (aimed at 100 words, made to the end of a paragraph: 100 to 170), and about 2 in 100 are
# novels of 100,000 words or more. Short works are mostly one-shots; longer ones are cut into
# chapters of a few thousand words. Every chapter is at least the words asked for.
AO3_LENGTH = {
    "median words": 3000,
    "sigma": 1.65,
    "most words": 600_000,
    "drabble below": 150,
    "chapter median words": 3500,
    "chapter sigma": 0.45,
}
# Chance that a work of fewer than this many words is a one-shot (under 1,000: always).
ONE_SHOT_BELOW = [(1000, 1.0), (5000, 0.85), (15_000, 0.5), (40_000, 0.1)]
LENGTHS = ("default", "ao3")
# Works whose search documents are made in one statement, after all works are in.
SEARCH_DOCUMENT_BATCH = 200


def _words(text):
    """The distinct words of a text, in order: the first are drawn most often."""
    return list(dict.fromkeys(text.split()))


NOUNS = _words("""
    light door river house hand night voice window road sea room fire morning city letter
    garden ship sword book heart storm mountain forest table kitchen rain snow winter summer
    bridge tower harbour market street field sky moon star sun shadow mirror coat scarf cup
    lantern tea bread apple bottle chair bed blanket candle clock key stair wall roof floor
    gate path hill valley island shore wave stone tree leaf flower rose bird horse dog cat wolf
    fox dragon castle village school library station train boat map compass ring crown knife
    shield song story name promise secret memory dream silence breath smile laugh tear kiss
    glance whisper question answer evening afternoon midnight dawn dusk season year week hour
    minute moment photograph phone message desk paper pen ink music piano violin guitar dance
    feast wedding battle war peace home family friend stranger captain king queen prince
    soldier doctor teacher student child mother father brother sister ghost witch wizard spell
    potion ocean lake fountain
""")
ADJECTIVES = _words("""
    quiet bright dark cold warm soft small old young long short broken golden silver gentle
    wild strange familiar empty crowded narrow wide heavy distant hidden open sudden slow quick
    careful tired restless patient lonely bitter sweet pale red blue green grey white black tall
    low high late early last first final secret ancient tiny enormous fragile steady honest
    foolish clever brave frightened hopeful hungry sleepy wet dry dusty clean bare busy still
    lost shining burning falling rising winding whispering
""")
VERBS = _words("""
    walked turned looked smiled reached waited listened laughed pulled pushed watched stopped
    started opened closed whispered shouted stepped climbed followed wandered glanced nodded
    sighed paused hesitated lingered trembled shivered breathed answered called carried dropped
    touched kissed hummed murmured remembered noticed wondered believed promised pretended
    returned rested settled vanished appeared burned glowed faded shifted leaned knocked tugged
    traced brushed folded gathered counted poured cleaned painted sketched tasted crossed
    circled drifted floated rushed hurried jumped rolled slipped worried hoped dreamed missed
""")
ADVERBS = _words("""
    slowly quietly softly suddenly carefully gently quickly finally again together alone away
    back once barely nearly almost already still simply only perhaps certainly honestly
    silently warmly bitterly sadly happily
""")
PREPOSITIONS = _words("""
    into across through toward under over beside behind past along around against beyond near
    inside outside
""")
FIRST_NAMES = _words("""
    Alex Sam Jordan Robin Morgan Casey Riley Avery Quinn Rowan Elliot Jamie Charlie Emery Harper
    Finley Sage Reese Skyler Dana Ada Beatrice Clara Daphne Elena Freya Greta Hazel Iris June
    Kira Lena Maya Nora Olive Pia Rosa Selma Tessa Uma Vera Willa Yara Zoe Arthur Bram Cedric
    Dorian Emil Felix Gideon Hugo Ivan Jonas Kasimir Leo Milo Nico Oscar Percy Quentin Rafael
    Silas Theo Ulric Victor Wes Xavier Yuri Zane Mira Lucian Aurora Caspian Ember Orion Wren
""")
LAST_NAMES = _words("""
    Ashdown Blackwood Carver Dunmore Ellery Fairbanks Greaves Holloway Ingram Jessop Kettering
    Lockhart Merriweather Northcott Oakley Pemberton Quill Ravensworth Sterling Thorne Underhill
    Vance Whitlock Yardley Zeller Abernathy Bellamy Castellan Drummond Everly Fenwick Garrick
    Hawthorne Ironwood Juniper Kingsley Larkspur Marlowe Nightingale Orwell Prescott Redgrave
    Sinclair Tremaine Umber Valentine Wainwright Winslow Ashby Brightwater Coldwell Deverell
    Evergreen Frost Galloway Hartley Ivory Kestrel Lowell Moreau Nash Osric Pryce Rook Sorrel
    Tallis Voss Wilde Yew Ambrose Blythe Crane Dahl Ferris Grey Hale Keene Lark
""")
FREEFORMS = [
    "Fluff", "Angst", "Hurt/Comfort", "Romance", "Alternate Universe", "Friendship", "Humor",
    "Established Relationship", "Slow Burn", "Happy Ending", "Fluff and Angst", "Family",
    "Alternate Universe - Canon Divergence", "Getting Together", "Canon Compliant", "Pining",
    "Post-Canon", "Crack", "Drabble", "One Shot", "Whump", "Found Family", "Enemies to Lovers",
    "Mutual Pining", "Alternate Universe - Modern Setting", "Introspection", "Missing Scene",
    "Domestic Fluff", "Emotional Hurt/Comfort", "Minor Character Death", "Character Study",
    "Banter", "Secret Relationship", "Time Travel", "Fake/Pretend Relationship",
]  # fmt: skip
MEDIA = ["", "", " (TV)", " (Anime)", " - All Media Types", " (Video Game)", " (Comics)"]
SENTENCES = [
    "The {a} {n} {v} {p} the {n}.",
    "{name} {v} {d}.",
    "“Where is the {n}?” {name} asked.",
    "It was {a} and {a}, like the {n} {p} the {a} {n}.",
    "{name} {v} the {n} and {v} {p} the {a} {n}.",
    "Somewhere {p} the {n}, a {a} {n} {v} {d}.",
    "“I {v} the {n},” {name} said {d}.",
    "There was a {a} {n} {p} the {n}, and nobody {v}.",
    "{name} had not {v} since the {a} {n}.",
    "The {n} {v}, {a} and {a}, and {name} {v} {d} {p} it.",
]
TITLES = [
    "The {A} {N}", "{A} {N}", "The {N} and the {N}", "A {N} of {N}s", "{N}s {P} the {N}",
    "What the {N} {V}", "{A} as the {N}", "Every {A} {N}", "{N}",
]  # fmt: skip
FANDOMS = [
    "The {A} {N}", "{N} and {N}", "Chronicles of the {A} {N}", "{A} {N} Academy",
    "The {N} of {N}s", "{N}bound", "Tales from the {A} {N}",
]  # fmt: skip
# A relationship's two sides, "A/B" (romantic) or "A & B" (platonic), with the joiner kept.
_PAIR = re.compile(r"(/| & )")
ADDITIONAL = [
    "{A} {N}", "Alternate Universe - {N}s", "{N} as {N}", "Post-{N}", "{A} {N}s",
    "{N} Hurt/Comfort", "{A} Ending", "Not Actually {A}", "{N} Shenanigans",
]  # fmt: skip


def _table(weights):
    """(values, cumulative weights) for random.choices, computed once."""
    return list(weights), list(itertools.accumulate(weights.values()))


RATINGS = _table(
    {
        Rating.GENERAL: 25,
        Rating.TEEN: 30,
        Rating.MATURE: 20,
        Rating.EXPLICIT: 20,
        Rating.NOT_RATED: 5,
    }
)
# Works with a specific warning get one of these first, then each other one rarely.
SPECIFIC_WARNINGS = _table(
    {
        ArchiveWarning.GRAPHIC_VIOLENCE: 10,
        ArchiveWarning.MAJOR_CHARACTER_DEATH: 7,
        ArchiveWarning.NON_CON: 3,
        ArchiveWarning.UNDERAGE: 1,
    }
)
CATEGORIES = _table(
    {
        Category.MM: 35,
        Category.GEN: 22,
        Category.FM: 20,
        Category.FF: 10,
        Category.MULTI: 8,
        Category.OTHER: 5,
    }
)
LANGUAGES = _table(
    {"en": 88, "es": 2, "zh": 2, "fr": 2, "de": 1.5, "ru": 1.5, "pt": 1, "it": 1, "ja": 1}
)
FANDOMS_PER_WORK = _table({1: 85, 2: 11, 3: 4})
RELATIONSHIPS_PER_WORK = _table({0: 25, 1: 40, 2: 20, 3: 10, 4: 5})
CHARACTERS_PER_WORK = _table({1: 15, 2: 25, 3: 20, 4: 14, 5: 10, 6: 7, 7: 5, 8: 4})
ADDITIONAL_PER_WORK = _table(dict(enumerate([10, 8, 10, 11, 11, 10, 9, 8, 7, 6, 4, 3, 3])))


_FIELD = re.compile(r"\{(\w+)\}")


def _pick(rng, table):
    values, cumulative = table
    return rng.choices(values, cum_weights=cumulative)[0]


class Zipf:
    """Ranks 0..n-1, rank r drawn with weight 1/(r+1)**s: a few very common, a long tail."""

    def __init__(self, n, s=1.0):
        self.cumulative = list(itertools.accumulate(1 / (rank + 1) ** s for rank in range(n)))

    def draw(self, rng, among=None):
        """A rank among the first `among` (all of them by default)."""
        if among is None:
            among = len(self.cumulative)
        point = rng.random() * self.cumulative[among - 1]
        return bisect.bisect(self.cumulative, point, 0, among)

    def distinct(self, rng, k, among=None):
        """Up to k different ranks, most likely the common ones."""
        if among is None:
            among = len(self.cumulative)
        chosen = {}
        for _ in range(20 * k):
            if len(chosen) >= min(k, among):
                break
            chosen[self.draw(rng, among)] = None
        return list(chosen)


class NullBar:
    """Stands in for a progress bar when nobody is watching."""

    def update(self, n=1):
        pass

    def set_postfix(self, **values):
        pass

    def close(self):
        pass


class CorpusExists(ValueError):
    """The database already holds a generated corpus."""


def pool_sizes(works):
    """How many tags of each kind a corpus of this many works draws from."""
    scale = (works / 100_000) ** 0.7
    return {kind: max(POOL_MINIMUM[kind], round(n * scale)) for kind, n in POOL_AT_100K.items()}


def generate_corpus(
    *,
    works,
    seed=1,
    batch_size=1000,
    append=False,
    progress=None,
    lengths="default",
    chunked=False,
):
    """Add `works` synthetic works with their tags, chapters, readers, kudos and bookmarks.

    Returns what it made, by table. Refuses a database that has a corpus already unless appending.
    `lengths` is "default" or "ao3" (see AO3_LENGTH). Everything is one transaction, unless
    `chunked`: then each batch of `batch_size` works (and of kudos, bookmarks, search
    documents) commits on its own, so no transaction holds the whole corpus; a run stopped
    half-way leaves the batches it finished.
    """
    if lengths not in LENGTHS:
        raise ValueError(f"lengths must be one of {', '.join(LENGTHS)}, not {lengths!r}.")
    with nullcontext() if chunked else transaction.atomic():
        if not append and Work.objects.filter(creator_name__startswith=PREFIX).exists():
            raise CorpusExists("This database already has a generated corpus.")
        progress = progress or (lambda **bar: NullBar())
        return _Generator(works, seed, batch_size, progress, lengths, chunked).run()


class _Generator:
    """One run: the tag pools and text it draws from, and the counts of what it saved."""

    def __init__(self, works, seed, batch_size, progress, lengths="default", chunked=False):
        self.works, self.seed, self.batch_size, self.progress = works, seed, batch_size, progress
        self.lengths = lengths
        # Each step commits on its own when chunked; otherwise the caller's transaction holds all.
        self.step = transaction.atomic if chunked else nullcontext
        self.made = {"works": 0, "chapters": 0, "words": 0, "tags": 0, "readers": 0}
        self.made |= {"kudos": 0, "bookmarks": 0, "private bookmarks": 0}
        self.nouns, self.adjectives = Zipf(len(NOUNS)), Zipf(len(ADJECTIVES))
        self.verbs, self.names = Zipf(len(VERBS)), Zipf(len(FIRST_NAMES))

    def _rng(self, phase):
        # One stream per phase, so changing one phase leaves the others' draws alone.
        return random.Random(f"{self.seed}:{phase}")

    def run(self):
        self._make_sentences(self._rng("text"))
        self._make_tag_pools(self._rng("tags"))
        with self.step():
            self._save_tags()
        social = self._make_works(self._rng("works"))
        with self.step():
            readers = self._save_readers()
        self._make_kudos(self._rng("kudos"), social, readers)
        self._make_bookmarks(self._rng("bookmarks"), social, readers)
        self._finish_loading([work_id for work_id, *_ in social])
        return self.made

    def _finish_loading(self, work_ids):
        """All rows are in: what the archive derives from them is made here, as after any raw
        load. Planner statistics first, or the steps after them are planned for empty tables."""
        self._analyze()
        self.made["search documents"] = self._update_search_documents(work_ids)

    # Words

    def _word(self, rng, words, zipf):
        return words[zipf.draw(rng)]

    def _fill(self, rng, template):
        """A template with {n}oun, {a}djective, {v}erb, a{d}verb, {p}reposition, {name};
        capitalised {N}, {A}, {V}, {P} for titles."""
        words = {
            "n": lambda: self._word(rng, NOUNS, self.nouns),
            "a": lambda: self._word(rng, ADJECTIVES, self.adjectives),
            "v": lambda: self._word(rng, VERBS, self.verbs),
            "d": lambda: rng.choice(ADVERBS),
            "p": lambda: rng.choice(PREPOSITIONS),
            "name": lambda: self._word(rng, FIRST_NAMES, self.names),
        }

        def word(match):
            field = match[1]
            chosen = words[field.lower()]()
            return chosen.title() if field.isupper() else chosen

        text = _FIELD.sub(word, template)
        return text[0].upper() + text[1:]

    def _make_sentences(self, rng):
        self.sentences = [self._fill(rng, rng.choice(SENTENCES)) for _ in range(SENTENCE_POOL)]
        # Words of each sentence, so a long chapter's count is a sum rather than a regex over
        # it: the same as count_words, since sentences are joined by spaces and tags.
        self.sentence_words = [count_words(sentence) for sentence in self.sentences]

    def _paragraph(self, rng, sentences):
        return "<p>" + " ".join(rng.choices(self.sentences, k=sentences)) + "</p>"

    def _body(self, rng):
        """A few paragraphs, a few hundred words, now and then a scene break."""
        paragraphs = [self._paragraph(rng, rng.randint(2, 9)) for _ in range(rng.randint(2, 8))]
        if len(paragraphs) > 2 and rng.random() < 0.15:
            paragraphs.insert(rng.randrange(1, len(paragraphs)), "<hr>")
        return "\n".join(paragraphs)

    def _body_of(self, rng, words):
        """Paragraphs up to about `words` words, now and then a scene break; with its count."""
        paragraphs, made, pool = [], 0, range(SENTENCE_POOL)
        while made < words:
            chosen = rng.choices(pool, k=rng.randint(2, 9))
            paragraphs.append("<p>" + " ".join(self.sentences[i] for i in chosen) + "</p>")
            made += sum(self.sentence_words[i] for i in chosen)
            if rng.random() < 0.03 and made < words:
                paragraphs.append("<hr>")
        return "\n".join(paragraphs), made

    def _ao3_plan(self, rng):
        """Words of each chapter of a work whose length is drawn like AO3's (AO3_LENGTH)."""
        shape = AO3_LENGTH
        words = rng.lognormvariate(math.log(shape["median words"]), shape["sigma"])
        words = min(shape["most words"], max(100, round(words)))
        if words < shape["drabble below"]:
            words = 100
        one_shot = next((share for below, share in ONE_SHOT_BELOW if words < below), 0)
        if rng.random() < one_shot:
            return [words]
        median, sigma = shape["chapter median words"], shape["chapter sigma"]
        chapter = rng.lognormvariate(math.log(median), sigma)
        count = max(2, round(words / min(12_000, max(1000, chapter))))
        return [max(100, round(words / count * rng.uniform(0.6, 1.4))) for _ in range(count)]

    # Tags

    def _unique(self, rng, make, n):
        """Up to n new names from `make`; tag names are unique across every kind."""
        names = []
        for _ in range(50 * n):
            if len(names) == n:
                break
            name = make(rng)[:100]
            if name not in self.taken:
                self.taken.add(name)
                names.append(name)
        return names

    def _make_tag_pools(self, rng):
        """Every tag name the works draw from, kind by kind from one stream: fandoms, their
        characters, relationships within a fandom, additional tags, then some synonyms."""
        size = pool_sizes(self.works)
        self.taken = set()
        self._make_fandoms(rng, size[TagKind.FANDOM])
        self._make_characters(rng, size[TagKind.CHARACTER])
        self._make_relationships(rng, size[TagKind.RELATIONSHIP])
        self._make_additional(rng, size[TagKind.ADDITIONAL])
        self._make_synonyms(rng)

    def _make_fandoms(self, rng, size):
        self.fandoms = self._unique(
            rng, lambda r: self._fill(r, r.choice(FANDOMS)) + r.choice(MEDIA), size
        )
        self.fandom_zipf = Zipf(len(self.fandoms))

    def _make_characters(self, rng, size):
        """Characters, each of one fandom: every fandom has two at least, and the popular
        fandoms get most of the rest."""
        fandom_count = len(self.fandoms)

        def character(r):
            return f"{self._word(r, FIRST_NAMES, self.names)} {r.choice(LAST_NAMES)}"

        self.characters = self._unique(rng, character, max(size, 2 * fandom_count))
        self.characters_of = [[] for _ in self.fandoms]
        for index in range(len(self.characters)):
            home = index if index < 2 * fandom_count else self.fandom_zipf.draw(rng)
            self.characters_of[home % fandom_count].append(index)
        self.character_zipf = Zipf(len(self.characters))

    def _make_relationships(self, rng, size):
        """Pairs of characters of one fandom, "A/B" (romantic) or "A & B" (platonic): one
        for each fandom first, then the popular fandoms get most of the rest."""
        fandom_count = len(self.fandoms)
        self.relationships, self.relationships_of = [], [[] for _ in self.fandoms]
        for index in range(50 * size):
            if len(self.relationships) == size:
                break
            home = index if index < fandom_count else self.fandom_zipf.draw(rng)
            home %= fandom_count
            pair = self.character_zipf.distinct(rng, 2, among=len(self.characters_of[home]))
            if len(pair) < 2:
                continue
            pair = [self.characters_of[home][rank] for rank in pair]
            joiner = "/" if rng.random() < 0.7 else " & "
            name = joiner.join(self.characters[c] for c in pair)
            if name not in self.taken:
                self.taken.add(name)
                self.relationships_of[home].append(len(self.relationships))
                self.relationships.append((name, pair))
        self.relationship_zipf = Zipf(len(self.relationships))

    def _make_additional(self, rng, size):
        """The common freeform tags first, then made-up ones up to the pool's size."""
        additional = [name for name in FREEFORMS if name not in self.taken]
        self.taken.update(additional)
        more = max(0, size - len(additional))
        self.additional = additional + self._unique(
            rng, lambda r: self._fill(r, r.choice(ADDITIONAL)), more
        )
        self.additional_zipf = Zipf(len(self.additional), s=0.9)

    def _make_synonyms(self, rng):
        """Some tags get a synonym, the way readers spell them: "B/A" for "A/B", "fluff" for
        "Fluff", "Alex R." for "Alex Reed". No name has a comma: filters split names on them."""
        self.synonym_of, self.canonical_of = {}, {}
        variants = [
            ([name for name, _ in self.relationships], lambda n: "".join(_PAIR.split(n)[::-1])),
            (self.characters, lambda n: n[: n.index(" ") + 2] + "."),
            (self.additional, str.lower),
        ]
        for names, variant in variants:
            for name in names:
                synonym = variant(name)
                if rng.random() < SYNONYM_SHARE and synonym not in self.taken:
                    self.taken.add(synonym)
                    self.synonym_of[name] = synonym
                    self.canonical_of[synonym] = name

    def _save_tags(self):
        """Create the pool's tags, canonical ones first; tags that exist already are reused."""
        existing = dict(Tag.objects.values_list("name", "pk"))
        slugs = set(Tag.objects.values_list("slug", flat=True))
        pools = [
            (TagKind.FANDOM, self.fandoms),
            (TagKind.CHARACTER, self.characters),
            (TagKind.RELATIONSHIP, [name for name, _ in self.relationships]),
            (TagKind.ADDITIONAL, self.additional),
        ]
        canonical = [Tag(name=name, kind=kind) for kind, names in pools for name in names]
        kinds = {tag.name: tag.kind for tag in canonical}
        synonyms = [Tag(name=s, kind=kinds[name]) for name, s in self.synonym_of.items()]
        bar = self.progress(desc="tags", total=len(canonical) + len(synonyms), unit="tag")
        self.tag_ids = {}
        for tags in [canonical, synonyms]:
            new = [tag for tag in tags if tag.name not in existing]
            self.tag_ids.update(
                (tag.name, existing[tag.name]) for tag in tags if tag.name in existing
            )
            for tag in new:
                tag.slug = self._slug(tag.name, slugs)
                if tags is synonyms:
                    tag.canonical_id = self.tag_ids[self.canonical_of[tag.name]]
            for start in range(0, len(new), self.batch_size):
                batch = Tag.objects.bulk_create(new[start : start + self.batch_size])
                self.tag_ids.update((tag.name, tag.pk) for tag in batch)
                bar.update(len(batch))
            bar.update(len(tags) - len(new))
            self.made["tags"] += len(new)
        bar.close()

    def _slug(self, name, taken):
        """A unique slug, made the way taggit makes them."""
        slug, i = Tag().slugify(name), 1
        while slug in taken:
            slug, i = Tag().slugify(name, i), i + 1
        taken.add(slug)
        return slug

    def _tag(self, rng, name):
        synonym = self.synonym_of.get(name)
        return synonym if synonym and rng.random() < SYNONYM_USE else name

    def _work_tags(self, rng):
        """A work's tag names: its fandoms, then relationships and characters from its first
        fandom (falling back to any when that fandom has too few), then additional tags."""
        fandoms = self.fandom_zipf.distinct(rng, _pick(rng, FANDOMS_PER_WORK))
        home = fandoms[0]
        own_relationships = self.relationships_of[home]
        wanted = _pick(rng, RELATIONSHIPS_PER_WORK)
        if len(own_relationships) >= wanted:
            ranks = self.relationship_zipf.distinct(rng, wanted, among=len(own_relationships))
            relationships = [own_relationships[rank] for rank in ranks]
        else:
            relationships = self.relationship_zipf.distinct(rng, wanted)
        characters = {c: None for r in relationships for c in self.relationships[r][1]}
        own_characters = self.characters_of[home]
        wanted = _pick(rng, CHARACTERS_PER_WORK)
        for rank in self.character_zipf.distinct(rng, wanted, among=len(own_characters)):
            if len(characters) >= wanted:
                break
            characters[own_characters[rank]] = None
        additional = self.additional_zipf.distinct(rng, _pick(rng, ADDITIONAL_PER_WORK))
        names = [self.fandoms[f] for f in fandoms]
        names += [self._tag(rng, self.relationships[r][0]) for r in relationships]
        names += [self._tag(rng, self.characters[c]) for c in characters]
        names += [self._tag(rng, self.additional[a]) for a in additional]
        return names

    # Works and chapters

    def _warnings(self, rng):
        roll = rng.random()
        if roll < 0.55:
            return [ArchiveWarning.NO_WARNINGS]
        if roll < 0.80:
            return [ArchiveWarning.CHOSE_NOT_TO_WARN]
        first = _pick(rng, SPECIFIC_WARNINGS)
        others = [w for w in SPECIFIC_WARNINGS[0] if w != first and rng.random() < 0.03]
        return [first, *others]

    def _chapter_count(self, rng):
        """1 for more than half of the works, a long tail up to 30; about 3 on average."""
        if rng.random() < 0.55:
            return 1
        return min(30, 2 + int(rng.expovariate(1 / 4)))

    def _dates(self, rng, chapters):
        """Publication dates of each chapter: more works lately, a few weeks between chapters."""
        days_ago = int(rng.triangular(0, 365 * YEARS, 0))
        day = LAST_DAY - datetime.timedelta(days=days_ago)
        dates = [day]
        for _ in range(chapters - 1):
            day = min(LAST_DAY, day + datetime.timedelta(days=int(rng.expovariate(1 / 20))))
            dates.append(day)
        return dates

    def _make_creators(self, rng):
        """Creator names, a few prolific, most with a work or two."""
        self.creators = [
            f"{PREFIX}{rng.choice(ADJECTIVES)}{rng.choice(NOUNS)}{i}"
            for i in range(max(5, self.works // 4))
        ]
        self.creator_zipf = Zipf(len(self.creators), s=0.8)

    def _work(self, rng, chapter_count, popularity, readers, plan=None):
        """A work and what belongs to it; `plan` gives each chapter's words (AO3 lengths)."""
        dates = self._dates(rng, chapter_count)
        chapters = []
        for position, day in enumerate(dates, start=1):
            if plan is None:
                body = self._body(rng)
                words = count_words(body)
            else:
                body, words = self._body_of(rng, plan[position - 1])
            title = self._fill(rng, rng.choice(TITLES)) if rng.random() < 0.4 else ""
            chapters.append(
                Chapter(
                    position=position,
                    title=title,
                    body=body,
                    word_count=words,
                    published=day,
                )
            )
        complete = rng.random() < (0.8 if chapter_count == 1 else 0.35)
        if complete:
            expected = chapter_count
        else:
            expected = rng.choice([None, chapter_count + rng.randint(1, 10)])
        # Kudos fall off with popularity rank like a Zipf curve with exponent 1/2.
        kudos = min(readers, int(0.3 * readers * popularity**-0.5 * rng.uniform(0.5, 1.5)))
        bookmarks = min(readers, round(kudos * rng.uniform(0.05, 0.35)))
        private = sum(rng.random() < 0.15 for _ in range(bookmarks))
        summary = " ".join(rng.choices(self.sentences, k=rng.randint(1, 3)))
        work = Work(
            title=self._fill(rng, rng.choice(TITLES)),
            creator_name=self.creators[self.creator_zipf.draw(rng)],
            summary=f"<p>{summary}</p>",
            notes=self._paragraph(rng, rng.randint(1, 3)) if rng.random() < 0.25 else "",
            rating=_pick(rng, RATINGS),
            categories=[_pick(rng, CATEGORIES)],
            language=_pick(rng, LANGUAGES),
            complete=complete,
            expected_chapters=expected,
            chapter_count=chapter_count,
            word_count=sum(chapter.word_count for chapter in chapters),
            published=dates[0],
            updated=dates[-1],
            hits=kudos * int(rng.lognormvariate(2.5, 0.5)) + rng.randint(1, 50),
            kudos_count=kudos,
            public_bookmark_count=bookmarks - private,
        )
        return (
            work,
            self._warnings(rng),
            self._work_tags(rng),
            chapters,
            (kudos, bookmarks, private),
        )

    def _make_works(self, rng):
        """Works with their warnings, tags and chapters, a batch at a time.

        Returns each work's pk with its kudos and bookmark counts, made in the next phases."""
        if self.lengths == "ao3":
            # From a stream of their own: the plans are drawn first, for the bars' totals.
            plans_rng = self._rng("lengths")
            plans = [self._ao3_plan(plans_rng) for _ in range(self.works)]
            counts = [len(plan) for plan in plans]
        else:
            plans = None
            counts = [self._chapter_count(rng) for _ in range(self.works)]
        popularity = list(range(1, self.works + 1))
        rng.shuffle(popularity)
        self._make_creators(rng)
        readers = self._reader_count()
        works_bar = self.progress(desc="works", total=self.works, unit="work")
        chapters_bar = self.progress(desc="chapters", total=sum(counts), unit="chapter")
        social = []
        for start in range(0, self.works, self.batch_size):
            batch = [
                self._work(rng, counts[i], popularity[i], readers, plans and plans[i])
                for i in range(start, min(self.works, start + self.batch_size))
            ]
            with self.step():
                self._save_works(batch, social)
            works_bar.set_postfix(words=f"{self.made['words']:,}", refresh=False)
            works_bar.update(len(batch))
            chapters_bar.update(sum(len(chapters) for _, _, _, chapters, _ in batch))
        works_bar.close()
        chapters_bar.close()
        return social

    def _save_works(self, batch, social):
        """One batch of works with their warnings, tag links and chapters."""
        Work.objects.bulk_create([work for work, *_ in batch])
        warnings, tagged, chapters = [], [], []
        for work, work_warnings, tag_names, work_chapters, counters in batch:
            warnings += [WorkWarning(work_id=work.pk, warning=w) for w in work_warnings]
            tagged += [
                TaggedWork(content_object_id=work.pk, tag_id=self.tag_ids[n]) for n in tag_names
            ]
            for chapter in work_chapters:
                chapter.work_id = work.pk
            chapters += work_chapters
            social.append((work.pk, *counters))
            self.made["words"] += work.word_count
        WorkWarning.objects.bulk_create(warnings, batch_size=self.batch_size)
        TaggedWork.objects.bulk_create(tagged, batch_size=self.batch_size)
        Chapter.objects.bulk_create(chapters, batch_size=self.batch_size)
        derived.refresh(work.pk for work, *_ in batch)  # bulk_create writes no families
        self.made["works"] += len(batch)
        self.made["chapters"] += len(chapters)

    # Readers, kudos and bookmarks

    def _reader_count(self):
        return max(50, self.works // 20)

    def _save_readers(self):
        """The readers who leave kudos and bookmarks, reusing those an earlier run made."""
        names = [f"{READER_PREFIX}{i:06d}" for i in range(1, self._reader_count() + 1)]
        existing = set(
            Reader.objects.filter(username__startswith=READER_PREFIX).values_list(
                "username", flat=True
            )
        )
        # No password: these accounts exist to own kudos and bookmarks, never to sign in.
        new = [Reader(username=name, password="!") for name in names if name not in existing]
        Reader.objects.bulk_create(new, batch_size=self.batch_size)
        self.made["readers"] = len(new)
        ids = dict(
            Reader.objects.filter(username__startswith=READER_PREFIX).values_list("username", "pk")
        )
        return [ids[name] for name in names]

    def _save_in_batches(self, model, rows, desc, total):
        bar = self.progress(desc=desc, total=total, unit=desc.rstrip("s"))
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == self.batch_size:
                with self.step():
                    model.objects.bulk_create(batch)
                bar.update(len(batch))
                batch = []
        with self.step():
            model.objects.bulk_create(batch)
        bar.update(len(batch))
        bar.close()

    def _make_kudos(self, rng, social, readers):
        total = sum(kudos for _, kudos, _, _ in social)
        rows = (
            Kudos(work_id=work_id, reader_id=readers[r])
            for work_id, kudos, _, _ in social
            for r in rng.sample(range(len(readers)), kudos)
        )
        self._save_in_batches(Kudos, rows, "kudos", total)
        self.made["kudos"] = total

    def _bookmarks(self, rng, work_id, count, private, readers):
        for i, r in enumerate(rng.sample(range(len(readers)), count)):
            notes = self._paragraph(rng, 1) if rng.random() < 0.2 else ""
            yield Bookmark(
                reader_id=readers[r],
                work_id=work_id,
                private=i < private,
                recommend=rng.random() < 0.05,
                notes=notes,
            )

    def _make_bookmarks(self, rng, social, readers):
        total = sum(bookmarks for _, _, bookmarks, _ in social)
        rows = (
            bookmark
            for work_id, _, bookmarks, private in social
            for bookmark in self._bookmarks(rng, work_id, bookmarks, private, readers)
        )
        self._save_in_batches(Bookmark, rows, "bookmarks", total)
        self.made["bookmarks"] = total
        self.made["private bookmarks"] = sum(private for *_, private in social)

    def _analyze(self):
        """Fresh planner statistics for the tables just filled, before the search documents
        are built from them: planned as if the tables were empty, that step takes hours."""
        if connection.vendor != "postgresql":
            return
        models = [Tag, Work, WorkWarning, TaggedWork, Chapter, Reader, Kudos, Bookmark]
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")

    def _update_search_documents(self, work_ids):
        """Fill the new works' full-text search documents, on PostgreSQL, through the search
        module, a few hundred works a statement: long works take seconds each."""
        update = _search_documents_updater()
        if update is None:
            return "not made: archive.listing.search.update_search_documents does not exist yet"
        bar = self.progress(desc="search documents", total=len(work_ids), unit="work")
        for start in range(0, len(work_ids), SEARCH_DOCUMENT_BATCH):
            batch = work_ids[start : start + SEARCH_DOCUMENT_BATCH]
            with self.step():
                update(batch)
            bar.update(len(batch))
        bar.close()
        if connection.vendor == "postgresql":
            return "made for every work"
        return "not needed: SQLite searches the text directly"


def _search_documents_updater():
    # The search module is being written alongside this one; until it lands, skip the step.
    try:
        from archive.listing import search
    except ImportError:
        return None
    return getattr(search, "update_search_documents", None)
