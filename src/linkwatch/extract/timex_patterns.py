"""The time-expression lexicon and the patterns built from it, compiled once.

Each pattern is a named rule; :mod:`linkwatch.extract.timex` decides which
matches to keep and what they mean. Month and weekday names are matched
case-sensitively (capitalised or upper case) so that "may" and "march" as
words never fire; everything else ignores case.
"""
from __future__ import annotations

import re

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
            "saturday": 5, "sunday": 6}
SEASONS = {"spring": "SP", "summer": "SU", "autumn": "FA", "fall": "FA", "winter": "WI"}
PARTS_OF_DAY = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI",
                "overnight": "NI", "tonight": "NI"}
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "hundred": 100, "a hundred": 100, "half a": 0.5, "a half": 0.5, "a couple of": 2, "a couple": 2,
    "couple of": 2, "a dozen": 12, "dozen": 12,
}
VAGUE_NUMBERS = ("several", "a few", "few", "many", "some", "dozens of", "hundreds of",
                 "a number of", "numerous", "multiple", "the past few", "countless")
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1, "final": -1,
            "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5}
UNITS = {"second": "S", "minute": "M", "hour": "H", "day": "D", "night": "D", "week": "W",
         "fortnight": "W", "month": "M", "year": "Y", "decade": "Y", "century": "Y",
         "quarter": "Q", "weekend": "WE"}
FUTURE_CUES = re.compile(
    r"\b(?:will|shall|'ll|next|scheduled|due\s+to|upcoming|is\s+to|are\s+to|to\s+be\s+held|"
    r"expected\s+to|plans?\s+to|planning\s+to|set\s+to|would\s+be\s+held|intends?\s+to|"
    r"is\s+going\s+to|are\s+going\s+to)\b", re.I)
PAST_CUES = re.compile(r"\b(?:(?i:said|told|announced|reported|added|confirmed|was|were|had|did|"
                       r"began|went|came|met|took|gave|fell|fought|ran|saw|spoke|won|wrote|flew)|"
                       r"(?<!be\s)(?<!been\s)(?<!being\s)(?<!to\s)[a-z]{2,}ed)\b")

# --- building blocks -------------------------------------------------------------------
_MONTH_FULL = ("January|February|March|April|May|June|July|August|September|October|November|"
               "December")
MONTH = (rf"(?:(?:{_MONTH_FULL})|(?:{_MONTH_FULL.upper()})|"
         r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec|JAN|FEB|MAR|APR|JUN|JUL|AUG|SEPT|"
         r"SEP|OCT|NOV|DEC)\.?)")
MONTH_WORD = rf"(?:(?:{_MONTH_FULL})|(?:{_MONTH_FULL.upper()})|(?:Jan|Feb|Aug|Sept|Oct|Nov|Dec)\.)"
_WD = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
WEEKDAY = rf"(?:{_WD}|{_WD.upper()})"
YEAR = r"(?:1[0-9]\d\d|20\d\d)"
DAYNUM = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_NUM_WORDS = "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True))
_VAGUE = "|".join(sorted((re.escape(w) for w in VAGUE_NUMBERS), key=len, reverse=True))
NUMBER = (rf"(?:\d+(?:\.\d+)?|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-"
          rf"(?:one|two|three|four|five|six|seven|eight|nine)|{_NUM_WORDS}|{_VAGUE})")
UNIT = r"(?:seconds?|minutes?|hours?|days?|nights?|weeks?|fortnights?|months?|years?|decades?|centuries|century|weekends?|quarters?)"
APPROX = (r"(?:about|around|nearly|almost|more\s+than|less\s+than|fewer\s+than|over|under|"
          r"at\s+least|at\s+most|some|up\s+to|roughly|approximately|a\s+mere|only|just|barely|"
          r"close\s+to|well\s+over|the\s+(?:past|last|next|first|coming|previous|following|"
          r"preceding|final|latter|same))")
MOD = (r"(?:early|earlier|late|later|mid|mid-|the\s+end\s+of|the\s+beginning\s+of|"
       r"the\s+start\s+of|the\s+middle\s+of|the\s+first\s+half\s+of|the\s+second\s+half\s+of|"
       r"end-|end\s+of|beginning\s+of|start\s+of)")
PART = r"(?:morning|afternoon|evening|night)"
CLOCK = (r"(?:(?P<hour>[01]?\d|2[0-3])(?:[:.](?P<minute>[0-5]\d))?\s*"
         r"(?P<ampm>a\.m\.?|p\.m\.?|am\b|pm\b|AM\b|PM\b)|(?P<hour24>[01]?\d|2[0-3]):(?P<minute24>[0-5]\d)"
         r"(?=\s*(?:GMT|UTC|local|hours?|hrs|[A-Z]{2,4}T\b)))"
         r"(?:\s*(?P<tz>GMT|UTC|local\s+time|[A-Z]{2,4}T\b))?")

_I = "(?i:{})".format

RULES: list[tuple[str, re.Pattern[str]]] = [(name, re.compile(pattern)) for name, pattern in [
    ("iso", r"(?<![\d-])(?P<year>[12]\d{3})-(?P<month>[01]\d)-(?P<day>[0-3]\d)(?![\d-])"),
    ("mdy", rf"(?:(?P<wd>{WEEKDAY}),?\s+)?(?P<month>{MONTH})\s+(?P<day>{DAYNUM})(?![\d:])"
            rf"(?:(?:,\s*|\s+)(?P<year>{YEAR})(?![\d,.]\d))?"
            + _I(r"(?:\s+(?:of\s+)?(?P<relyear>last|this|next|that|the\s+following|the\s+previous)"
                 r"\s+year)?")),
    ("dmy", rf"(?:(?P<wd>{WEEKDAY}),?\s+)?(?:the\s+)?(?<!\d)(?P<day>{DAYNUM})\s+(?:of\s+)?"
            rf"(?P<month>{MONTH})(?:,?\s+(?P<year>{YEAR})(?![\d,.]\d))?"
            + _I(r"(?:\s+(?P<relyear>last|this|next)\s+year)?")),
    ("month", _I(rf"(?:(?P<mod>{MOD})\s*)?(?:(?P<rel>last|this|next|that|the\s+following|"
                 rf"the\s+previous|the\s+same)\s+)?")
              + rf"(?P<month>{MONTH_WORD})(?:(?:,\s*|\s+)(?:of\s+)?(?P<year>{YEAR})(?![\d,.]\d)|"
              + _I(r"\s+(?:of\s+)?(?P<relyear>last|this|next|that|the\s+following|the\s+previous)"
                   r"\s+year") + r")?(?![\w-])"),
    ("weekofmonth", _I(r"(?:the\s+)?(?P<ord>first|second|third|fourth|last|final)\s+week\s+of\s+")
                    + rf"(?P<month>{MONTH_WORD})(?:,?\s+(?P<year>{YEAR}))?"),
    ("year", _I(rf"(?:(?P<mod>{MOD})\s*|(?P<season>spring|summer|autumn|fall|winter)\s+(?:of\s+)?|"
                r"(?P<fiscal>fiscal(?:\s+year)?)\s+)?")
             + rf"(?<![\d,.$£€#/:])(?P<year>{YEAR})(?!\d|,\d|\.\d|%|-[01]\d-|s\b|['’]?s\b)"),
    ("yearrange", r"(?<=\d\d\d\d[-–])(?P<yy>\d\d)(?![\d%])"),
    ("decade", _I(r"(?:the\s+)?(?:(?P<mod>early|mid|mid-|late)\s*)?(?:(?P<cent>1\d|20)(?P<dec>\d)0s|"
                  r"['’](?P<dec2>\d)0s)\b")),
    ("century", _I(r"(?:the\s+)?(?:(?P<mod>early|mid|mid-|late)\s*)?(?P<ord>\d{1,2}(?:st|nd|rd|th)|"
                   r"nineteenth|twentieth|twenty-first|eighteenth)[\s-]+century\b")),
    ("quarter", _I(rf"(?:the\s+)?(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th|final|last)"
                   rf"(?:[\s-]+fiscal)?[\s-]+quarter(?:\s+of\s+(?:(?P<year>{YEAR})|(?P<rel>last|this|next)\s+year))?"
                   rf"|\bQ(?P<q>[1-4])\s+(?P<year2>{YEAR})")),
    ("weekday", _I(r"(?:(?P<pre>early|late|later|earlier)\s+(?:on\s+)?)?(?:(?P<rel>last|this|next|"
                   r"past|coming|that)\s+)?")
                + rf"(?P<wd>{WEEKDAY})(?P<plural>s)?(?!\w)"
                + _I(rf"(?:(?P<poss>['’]s)?\s+(?P<part>{PART})\b)?")),
    ("clock", CLOCK
              + rf"(?:\s+(?:on\s+)?(?P<wd>{WEEKDAY}))?"),
    ("noonday", _I(r"\b(?:(?P<rel>yesterday|today|tomorrow)\s+)?(?P<word>noon|midday|midnight)\b")),
    ("deictic", _I(r"\b(?P<word>the\s+day\s+before\s+yesterday|the\s+day\s+after\s+tomorrow|today|"
                   r"tonight|yesterday|tomorrow|nowadays|now|currently|at\s+present|presently|"
                   r"at\s+the\s+moment|these\s+days|recently|lately|of\s+late|undated|"
                   r"(?<=in\s)the\s+past|(?<=in\s)the\s+future|(?<=in\s)the\s+near\s+future|"
                   r"at\s+the\s+time|(?<=at\s)that\s+time|last\s+night|this\s+(?:morning|afternoon|"
                   r"evening)|(?:yesterday|tomorrow)\s+(?:morning|afternoon|evening|night)|"
                   r"soon)(?P<poss>['’]s)?\b")),
    ("relunit", _I(rf"(?:(?P<mod>{MOD})\s*)?(?P<rel>last|this|next|past|coming|current|the\s+last|"
                   r"the\s+past|the\s+coming|the\s+current|the\s+previous|the\s+following|"
                   r"the\s+next|the\s+preceding|the\s+same|that|later\s+that|earlier\s+that|"
                   r"later\s+this|earlier\s+this)\s+(?:fiscal\s+)?"
                   r"(?P<unit>week|month|year|weekend|decade|century|quarter|spring|summer|autumn|"
                   r"fall|winter|day|morning|afternoon|evening|night)(?P<poss>['’]s)?\b")),
    ("dayrel", _I(r"(?P<rel>the\s+day\s+before|the\s+day\s+after|the\s+night\s+before|"
                  r"the\s+eve\s+of|the\s+same\s+day|hours\s+(?:earlier|later|before|after))\b")),
    ("offset", _I(rf"(?<![\w-])(?:(?P<approx>{APPROX})\s+)?(?P<num>{NUMBER})(?:\s+|-)(?P<unit>{UNIT})\b"
                  r"(?!-old|\s+old\b)(?P<poss>['’]s?)?"
                  r"(?:\s+(?P<tail>ago|later|earlier|before|after|afterwards|from\s+now|prior|"
                  r"previously|beforehand|on)\b)?")),
    ("numrange", _I(rf"(?<![\w-])(?P<num>\d+|{_NUM_WORDS})(?=\s*(?:and|to|or|-|–)\s*(?:\d+|{_NUM_WORDS})"
                    rf"[\s-]+(?P<unit>{UNIT})\b)")),
    ("stopwatch", r"(?<![\d:])(?P<h>\d{1,2}):(?P<m>[0-5]\d):(?P<s>[0-5]\d)(?![\d:])"),
    ("yearof", _I(r"(?P<mod>the\s+end|the\s+beginning|the\s+start|the\s+middle|the\s+turn|"
                  r"the\s+rest|the\s+remainder)\s+of\s+(?:the\s+)?(?P<unit>year|month|week)\b")),
    ("plural", _I(r"(?<![\w-])(?P<unit>seconds|minutes|hours|days|nights|weeks|months|years|"
                  r"decades|centuries)(?!-)\b(?:\s+(?P<tail>ago|later|earlier|before|after)\b)?")),
    ("set", _I(rf"\b(?:(?:every|each|per)\s+(?:(?P<num>{NUMBER})\s+)?(?P<unit>second|minute|hour|"
               r"day|night|week|month|year|decade|season|morning|afternoon|evening|weekend|"
               rf"quarter|{_WD.lower()})s?|(?P<freq>once|twice|thrice|\w+\s+times)\s+(?:a|an|per|every)"
               r"\s+(?P<unit2>day|week|month|year|decade)|(?P<adv>annually|yearly|biannually|"
               r"biennially|quarterly|every\s+other\s+(?:day|week|month|year)))\b")),
]]

RULE_ORDER = {name: index for index, (name, _) in enumerate(RULES)}

# words before a four-digit number that make it a year, and after it that make it a count
YEAR_CUES = frozenset(
    "in since by until till from during before after of early late mid the between through "
    "and or to around circa c. year years spring summer autumn fall winter fiscal 's ’s "
    "end beginning start since' than".split())
COUNT_NOUNS = re.compile(
    r"\s+(?:people|persons|men|women|children|kids|troops|soldiers|fighters|militants|members|"
    r"police|policemen|officers|civilians|students|families|homes|houses|rockets|missiles|"
    r"refugees|residents|km|kilometres|kilometers|miles|metres|meters|feet|tonnes|tons|"
    r"dollars|euros|rupees|pounds|percent|per\s+cent|votes|deaths|cases|attacks|times|"
    r"[a-z]+ers\b|[a-z]+ists\b|[a-z]+ians\b)", re.I)
