"""Stopword lists shipped with the package, so no analyzer ever downloads data.

English: the list of Apache Lucene's ``EnglishAnalyzer.ENGLISH_STOP_WORDS_SET``
(Apache License 2.0). It is the default of Elasticsearch's and Anserini's English
analyzers, whose BM25 runs the BEIR paper reports, and of bm25s. A short list keeps
words such as "where" or "not" searchable; long lists (NLTK's 179 words) drop them.

Japanese: written for this project (Apache License 2.0, like the project). The
Japanese analyzer already drops particles, auxiliary verbs, symbols and blanks by
part of speech, so this list holds only the content-free words that survive that
filter: formal nouns (こと, もの), light verbs in dictionary form (する, ある), demonstratives
(これ, その) and question words (何, どこ), which match no answer passage.
"""

from __future__ import annotations

ENGLISH_STOPWORDS: frozenset[str] = frozenset(
    """
    a an and are as at be but by for if in into is it no not of on or such
    that the their then there these they this to was will with
    """.split()
)

JAPANESE_STOPWORDS: frozenset[str] = frozenset(
    """
    する ある いる なる できる 出来る 言う いう 思う おる くる 来る 為る 成る 有る 居る
    こと もの 物 事 ところ 所 とき 時 ため 為 よう 様 ほう 方 わけ 訳 はず 筈 うち たち 達
    これ それ あれ どれ この その あの どの ここ そこ あそこ どこ こちら そちら あちら どちら
    こう そう ああ どう 何 なに なん 誰 だれ いつ いくつ どんな なぜ 何故 どうして
    さん 氏 等 など 及び および 又 また 並びに 或いは あるいは
    """.split()
)
