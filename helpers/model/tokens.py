"""Word pieces of a text, whichever tokenizer a model carries.

A sentence-transformers model on torch has a transformers fast tokenizer (called as a
function); the ONNX Runtime encoder (:mod:`helpers.model.onnx_encoder`) has a
``tokenizers.Tokenizer`` (``.encode``) that truncates at the model's limit. Code that needs
the length of a whole query, or where to cut it, goes through :func:`token_offsets`, which
gives the same answer for both.
"""

from __future__ import annotations

import weakref
from typing import Any

__all__ = ["token_offsets"]


def token_offsets(tokenizer: Any, text: str) -> list[tuple[int, int]]:
    """Character span of every word piece of ``text``, special tokens left out, never truncated.

    Parameters
    ----------
    tokenizer : transformers fast tokenizer or tokenizers.Tokenizer
        ``SentenceTransformer.tokenizer``, or the ``tokenizers.Tokenizer`` of an ONNX Runtime
        encoder (its own truncation setting is left as it is).
    text : str
        The text to split.

    Returns
    -------
    list of (int, int)
        ``(start, end)`` of each word piece in ``text``; its length is the text's length in
        tokens (add ``tokenizer.num_special_tokens_to_add(False)`` for the model's input length).

    Examples
    --------
    >>> from helpers.loading import sentence_transformer
    >>> token_offsets(sentence_transformer().tokenizer, "Turing test")  # doctest: +SKIP
    [(0, 6), (7, 11)]
    """
    if hasattr(tokenizer, "encode_batch"):  # a `tokenizers.Tokenizer`, as ONNX Runtime encoders use
        return _untruncated(tokenizer).encode(text, add_special_tokens=False).offsets
    return tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)["offset_mapping"]


_UNTRUNCATED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _untruncated(tokenizer: Any) -> Any:
    """A copy of a ``tokenizers.Tokenizer`` that truncates nothing (made once per tokenizer).

    A copy, because the encoder that owns the tokenizer relies on its truncation setting.
    """
    if tokenizer.truncation is None:
        return tokenizer
    if tokenizer not in _UNTRUNCATED:
        copy = type(tokenizer).from_str(tokenizer.to_str())
        copy.no_truncation()
        _UNTRUNCATED[tokenizer] = copy
    return _UNTRUNCATED[tokenizer]
