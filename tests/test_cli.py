import subprocess
import sys


def test_version_prints_package_version():
    from nadzor import __version__

    out = subprocess.run([sys.executable, "-m", "nadzor", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"nadzor {__version__}"
