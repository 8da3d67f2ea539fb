"""Helpers for a hands-on tutorial on dense, sparse (BM25) and reranked retrieval.

The embedding and rerank functions live in :mod:`helpers.model` and mirror
``pymilvus.model``, so code written against them carries over to production by
replacing ``helpers`` with ``pymilvus``::

    from helpers import model
    ef = model.DefaultEmbeddingFunction()

Importing this package is cheap: it loads neither torch nor a model. Modules
and models are loaded on first use.
"""

__version__ = "0.1.0"
