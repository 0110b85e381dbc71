"""hf-popularity-monitor: snapshots of Hugging Face Hub popularity, and weekly reports on them."""

__version__ = "0.1.0"
