"""Flash-revolt detection: pure, causal anomaly detection over per-brand mention buckets.

``RevoltDetector`` turns buckets into verdicts (ok / pending / firing); ``score_series`` scores
any timestamped real-valued series in [0, 1] (what ``listener detect FILE`` prints).
"""

from alerts.detector import Bucket, RevoltDetector, Verdict
from alerts.sensitivity import SENSITIVITIES, Sensitivity
from alerts.series import score_series

__all__ = [
    "SENSITIVITIES",
    "Bucket",
    "RevoltDetector",
    "Sensitivity",
    "Verdict",
    "score_series",
]
