"""Only to ship the top-level ``prompts/`` folder inside the wheel as ``divgenbench.bundled_prompts``
(pyproject's ``packages.find`` cannot add a package that lives outside ``divgenbench/``)."""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["divgenbench", "divgenbench.*"]) + ["divgenbench.bundled_prompts"],
    package_dir={"divgenbench.bundled_prompts": "prompts"},
)
