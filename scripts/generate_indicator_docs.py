"""Regenerate docs/indicators/<CODE>.md from the indicator definitions (run after editing a YAML file)."""

from nadzor.indicators.docs import write_docs
from nadzor.indicators.registry import registered_indicators

if __name__ == "__main__":
    for path in write_docs(registered_indicators().values()):
        print(path)
