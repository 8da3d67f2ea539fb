"""helpers.redact: the one place secrets are kept out of reprs, messages and logs."""

from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.redact import MASK, Secret, redact_uri, scrub


def test_a_secret_never_shows_but_its_value_is_there():
    key = Secret("jina_abc123")
    shown = repr(key) + str(key) + f"{key}" + "%s" % key + repr([key]) + format(key)
    assert "abc123" not in shown and shown.count(MASK) == 6
    assert key.value == "jina_abc123"
    with pytest.raises(AttributeError):
        key.other = "x"  # slots: nothing else (no __dict__ to print) can hang on it


def test_scrub_replaces_every_occurrence_and_passes_over_empty_secrets():
    text = "token tok-1 was rejected; tok-1 again, url http://h/?t=tok-1"
    assert scrub(text, ["tok-1", "", None]) == f"token {MASK} was rejected; {MASK} again, url http://h/?t={MASK}"
    assert scrub("nothing here", []) == "nothing here"
    # A secret inside another (a token within the URI that carries it) leaves no part of either.
    assert scrub("at http://u:pw@h", ["pw", "http://u:pw@h"]) == f"at {MASK}"


_PLAIN = st.text(st.characters(blacklist_characters="*", blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=100, deadline=None)
@given(_PLAIN, st.lists(st.text(st.characters(blacklist_characters="*", blacklist_categories=("Cs",)), min_size=1, max_size=5), max_size=3))
def test_no_secret_survives_a_scrub(text, secrets):
    mixed = text.join(secrets) + text  # every secret occurs at least once, some touching each other
    scrubbed = scrub(mixed, [Secret(s) for s in secrets])
    assert not any(s in scrubbed for s in secrets)


@pytest.mark.parametrize(
    "uri, shown",
    [
        ("http://admin:pa55word@127.0.0.1:9", f"http://{MASK}@127.0.0.1:9"),
        ("https://user@db.example.com/x?y=1", f"https://{MASK}@db.example.com/x?y=1"),
        ("http://127.0.0.1:19530", "http://127.0.0.1:19530"),
        ("work/milvus_demo.db", "work/milvus_demo.db"),
    ],
)
def test_redact_uri_drops_only_the_user_and_password(uri, shown):
    assert redact_uri(uri) == shown
    parts, kept = urlsplit(uri), urlsplit(shown)
    assert (kept.scheme, kept.hostname, kept.port, kept.path, kept.query) == (
        parts.scheme, parts.hostname, parts.port, parts.path, parts.query
    )  # fmt: skip


def test_redact_query_masks_only_the_named_parameters():
    from helpers.redact import redact_query

    assert redact_query("/s?corpus=blog&token=a%20b&top_k=3") == "/s?corpus=blog&token=***&top_k=3"
    assert redact_query("/s?token=&x=1") == "/s?token=***&x=1"
    assert redact_query("/s?api_key=k1&token=t", names=("api_key",)) == "/s?api_key=***&token=t"
    assert redact_query("/tokens/token=1") == "/tokens/token=1"  # a path, not a query parameter
