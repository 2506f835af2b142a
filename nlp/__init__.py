"""Sentiment, topics and rising terms for brand mentions.

``import nlp`` is cheap: spaCy loads when an ``Analyzer`` is built (once per process).
"""

from nlp.analyzer import Analyzer
from nlp.records import Analysis, RisingTerm, Sentiment
from nlp.rising import rising_terms

__all__ = ["Analysis", "Analyzer", "RisingTerm", "Sentiment", "rising_terms"]
