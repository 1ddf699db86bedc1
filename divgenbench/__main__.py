"""``python -m divgenbench`` (also what ``accelerate launch -m divgenbench`` runs)."""

from .cli import main

main()
